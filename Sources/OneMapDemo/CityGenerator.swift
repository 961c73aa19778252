import Foundation
import OneMapGeometry
import OneMapStore

/// A district of the demo city: its real boundary in the local metric frame.
struct District {
    let code: String
    let name: String
    let polygon: Geometry
    let prepared: PreparedGeometry
}

/// Land use of a block: the planning class (国土空间用地用海分类) and the current-use class (GB/T 21010).
struct LandUse {
    var planning: String
    var current: String
}

/// A block of the street grid (a 300 m parameter cell), clipped to the districts and the canal.
struct Block {
    let i: Int
    let j: Int
    var polygon: Geometry
    let district: Int
    let inUrbanArea: Bool
    let distance: Double
    var use: LandUse
    /// Whether the block is an unclipped rectangle, so buildings can be laid out on its grid.
    let whole: Bool
}

/// A generated road (one named street or highway), as the parts that lie inside the districts.
struct Road {
    let name: String
    let kind: RoadKind
    var parts: [[Coordinate]]
    let direction: String
    /// 1: one way in the direction the line is drawn; -1: against it; 0: both ways.
    var oneway: Int = 0
}

enum RoadKind: String {
    case expressway, primary, secondary, branch, rural

    var title: String {
        switch self {
        case .expressway: "快速路"
        case .primary: "主干路"
        case .secondary: "次干路"
        case .branch: "支路"
        case .rural: "公路"
        }
    }

    /// Right-of-way width in metres.
    var width: Double {
        switch self {
        case .expressway: 50
        case .primary: 40
        case .secondary: 30
        case .branch: 18
        case .rural: 12
        }
    }

    var lanes: Int {
        switch self {
        case .expressway: 8
        case .primary: 6
        case .secondary: 4
        case .branch: 2
        case .rural: 2
        }
    }
}

/// Generates the demo city deterministically from a seed, in the local metric frame.
///
/// Thread rule: single-threaded; it owns one GEOS context for all its geometry work.
final class CityGenerator {
    let seed: UInt64
    let scale: Int
    let geos = GEOSContext()
    let frame: CityFrame
    let districts: [District]
    let union: Geometry
    let unionPrepared: PreparedGeometry
    let extent: BoundingBox
    /// Parameter-space ranges covering the districts, snapped to the 300 m block grid.
    let uRange: ClosedRange<Int>
    let vRange: ClosedRange<Int>
    static let blockSize = 300.0
    static let gridSize = 100.0

    var canal: [Coordinate] = []
    var canalArea: Geometry = .polygon([])
    var canalPrepared: PreparedGeometry?
    var urbanArea: Geometry = .polygon([])
    var urbanPrepared: PreparedGeometry?
    var roads: [Road] = []
    var blocks: [Block] = []
    var riverArea: Geometry = .polygon([])
    /// Canal and river with their banks: blocks are cut back from it.
    var waterCut: Geometry = .polygon([])
    var waterCutPrepared: PreparedGeometry?
    var waterBodies: [WaterBody] = []
    var waterways: [Waterway] = []
    var lakeBlocks: Set<Int> = []
    var trees: [Coordinate] = []
    /// The street name on each grid line in town ("u12", "v-3"), for addresses.
    var streetNames: [String: String] = [:]
    /// Park names by block key (i * 10 000 + j).
    var parkNames: [Int: String] = [:]
    var log: (String) -> Void

    /// - Parameter districts: the two districts' boundaries in EPSG:4548 metres (运河区, 新华区).
    init(seed: UInt64, scale: Int, districts raw: [(code: String, name: String, polygon: Geometry)], log: @escaping (String) -> Void) throws {
        self.seed = seed
        self.scale = scale
        self.log = log
        var ds: [District] = []
        for d in raw { ds.append(District(code: d.code, name: d.name, polygon: d.polygon, prepared: try geos.prepare(d.polygon))) }
        districts = ds
        union = try geos.union(raw.map(\.polygon))
        unionPrepared = try geos.prepare(union)
        extent = union.boundingBox!
        // The old town centre sits on the canal, where the two districts meet.
        frame = CityFrame(center: Coordinate(extent.center.x - 1500, extent.center.y - 1200))
        var us: [Double] = [], vs: [Double] = []
        for c in [Coordinate(extent.minX, extent.minY), Coordinate(extent.maxX, extent.minY), Coordinate(extent.minX, extent.maxY), Coordinate(extent.maxX, extent.maxY)] {
            let p = frame.unwarp(c)
            us.append(p.u)
            vs.append(p.v)
        }
        let b = Self.blockSize
        uRange = Int(floor((us.min()! - 400) / b))...Int(ceil((us.max()! + 400) / b))
        vRange = Int(floor((vs.min()! - 400) / b))...Int(ceil((vs.max()! + 400) / b))
    }

    func random(_ stream: String) -> SeededRandom { SeededRandom(seed: seed, stream: stream) }

    /// The district (index) containing a point, if any.
    func district(at p: Coordinate) -> Int? {
        for (i, d) in districts.enumerated() where (try? d.prepared.contains(p)) == true { return i }
        return nil
    }

    func isUrban(_ p: Coordinate) -> Bool { (try? urbanPrepared?.contains(p)) == true }

    /// Distance from the city centre in metres.
    func distanceFromCenter(_ p: Coordinate) -> Double { hypot(p.x - frame.center.x, p.y - frame.center.y) }

    // MARK: base geography

    /// The Grand Canal: in the city it is the real border between 运河区 and 新华区 (taken from
    /// the boundary data); north and south of the border it is generated, meandering on within 运河区.
    func buildCanal() throws {
        let a = districts[0].polygon, b = districts[1].polygon
        guard case .polygon(let ringsA) = a.parts.max(by: { ((try? geos.area($0)) ?? 0) < ((try? geos.area($1)) ?? 0) }) ?? a else {
            throw DemoError.missingData("district polygon")
        }
        let ring = ringsA[0]
        let near = try ring.map { try geos.distance(.point($0), b) < 1.0 }
        // The longest run of 运河区's boundary vertices that lie on 新华区's boundary (the ring may wrap).
        var best = (start: 0, length: 0)
        var start = -1
        for k in 0..<(ring.count * 2) {
            let onBorder = near[k % ring.count]
            if onBorder && start < 0 { start = k }
            if (!onBorder || k == ring.count * 2 - 1) && start >= 0 {
                let length = min(k - start, ring.count)
                if length > best.length { best = (start, length) }
                start = -1
            }
        }
        var border = (0..<best.length).map { ring[(best.start + $0) % ring.count] }
        if border.first!.y > border.last!.y { border.reverse() }
        var rng = random("canal")
        func extend(from p: Coordinate, heading: Double, until stop: (Coordinate) -> Bool) -> [Coordinate] {
            var out: [Coordinate] = []
            var q = p
            var h = heading
            let noise = Noise(seed: rng.next())
            for step in 0..<400 {
                h += 0.09 * noise.value(Double(step) * 0.15, 0.5)
                q = Coordinate(q.x + 60 * cos(h), q.y + 60 * sin(h))
                out.append(q)
                if stop(q) { break }
            }
            return out
        }
        let lastHeading = atan2(border.last!.y - border[border.count - 8].y, border.last!.x - border[border.count - 8].x)
        let firstHeading = atan2(border[0].y - border[7].y, border[0].x - border[7].x)
        let north = extend(from: border.last!, heading: lastHeading * 0.4 + .pi / 2 * 0.6) { $0.y > self.extent.maxY + 300 }
        let south = extend(from: border.first!, heading: firstHeading * 0.4 - .pi / 2 * 0.6) { $0.y < self.extent.minY - 300 }
        canal = Array(south.reversed()) + border + north
        canalArea = try geos.intersection(try geos.buffer(.lineString(canal), distance: 30, quadrantSegments: 4), union)
        canalPrepared = try geos.prepare(try geos.buffer(.lineString(canal), distance: 45, quadrantSegments: 4))
        log("canal: \(Int(try geos.length(.lineString(canal)) / 1000)) km, \(border.count) vertices from the district border")
    }

    /// 城镇开发边界: a lobed area around the centre, within the districts.
    func buildUrbanArea() throws {
        let noise = Noise(seed: seed &+ 77)
        var ring: [Coordinate] = []
        for k in 0..<96 {
            let t = Double(k) / 96 * 2 * .pi
            let r = 5600 + 1300 * noise.fractal(cos(t) * 3, sin(t) * 3, scale: 1.5, octaves: 3) + 700 * sin(t)
            ring.append(Coordinate(frame.center.x + r * cos(t) * 1.05, frame.center.y + r * sin(t) * 1.15))
        }
        ring.append(ring[0])
        urbanArea = try geos.intersection(.polygon([ring]), union)
        urbanPrepared = try geos.prepare(urbanArea)
        log("urban development boundary: \(Int(try geos.area(urbanArea) / 1e6)) km² of \(Int(try geos.area(union) / 1e6)) km²")
    }
}
