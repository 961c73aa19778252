import Foundation
import OneMapGeometry
import OneMapStore

/// 高程剖面: heights along a line read from the DEM's level-0 cells (the stored values, not an
/// interpolation), sampled about once per cell along the geodesic of each segment, at most the
/// rules' number of samples.
public struct ElevationProfile: Sendable {
    public let store: Store
    public let rules: EmergencyRules

    public init(store: Store, rules: EmergencyRules) {
        self.store = store
        self.rules = rules
    }

    /// - Parameter line: lon/lat (CGCS2000) vertices.
    public func run(line: [Coordinate], layer layerID: String?, samples: Int?, for principal: Principal) throws -> JSONValue {
        let id = layerID ?? rules.elevationLayer
        guard let layer = try store.layerIfVisible(id, for: principal), layer.kind == .dem, let info = layer.raster else {
            throw AnalysisError.invalidInput(input: "layer", detail: "no DEM layer '\(id)'")
        }
        guard line.count >= 2 else { throw AnalysisError.invalidInput(input: "line", detail: "needs at least two points") }
        let geodesic = Geodesic.cgcs2000
        let legs = line.indices.dropLast().map { geodesic.inverse(line[$0], line[$0 + 1]) }
        let length = legs.reduce(0) { $0 + $1.distance }
        guard length > 0 else { throw AnalysisError.invalidInput(input: "line", detail: "has no length") }
        let cellMetres = layer.storageCRS.isGeographic ? info.cellHeight * 111_000 : info.cellHeight
        if let samples, !(2...rules.maxProfileSamples).contains(samples) {
            throw AnalysisError.invalidInput(input: "samples", detail: "must be 2–\(rules.maxProfileSamples)")
        }
        let count = samples ?? min(rules.maxProfileSamples, max(2, Int((length / cellMetres).rounded(.up)) + 1))
        let step = length / Double(count - 1)
        // Sample k lies k·step along the line: find its leg and walk the geodesic of that leg.
        var points: [(distance: Double, at: Coordinate)] = []
        var leg = 0, legStart = 0.0
        for k in 0..<count {
            let d = k == count - 1 ? length : Double(k) * step
            while leg < legs.count - 1 && d > legStart + legs[leg].distance { legStart += legs[leg].distance; leg += 1 }
            let along = min(max(0, d - legStart), legs[leg].distance)
            points.append((d, along == 0 ? line[leg] : geodesic.direct(from: line[leg], azimuth: legs[leg].azimuth1, distance: along)))
        }
        var heights: [JSONValue] = []
        var lowest = Double.infinity, highest = -Double.infinity, ascent = 0.0, descent = 0.0
        var previous: Double?
        var outside = 0
        for p in points {
            let h = try store.elevation(layer: id, at: p.at, crs: .cgcs2000, for: principal)
            if let h {
                lowest = min(lowest, h); highest = max(highest, h)
                if let previous { if h > previous { ascent += h - previous } else { descent += previous - h } }
                previous = h
            } else { outside += 1 }
            heights.append(.object([("distance", .number((p.distance * 10).rounded() / 10)), ("height", h.map { .number(($0 * 100).rounded() / 100) } ?? .null),
                                    ("location", .numbers([p.at.x, p.at.y]))]))
        }
        func r(_ v: Double) -> JSONValue { v.isFinite ? .number((v * 100).rounded() / 100) : .null }
        return .object([
            ("layer", .string(id)), ("length", r(length)), ("samples", .number(Double(points.count))), ("noData", .number(Double(outside))),
            ("min", r(lowest)), ("max", r(highest)), ("ascent", r(ascent)), ("descent", r(descent)),
            ("profile", .array(heights)),
        ])
    }
}
