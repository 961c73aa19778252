import Foundation
import OneMapGeometry

extension CityGenerator {
    /// 门牌 (door plates) along the named town roads: every 30 m, odd numbers on the left of the
    /// road's direction and even on the right, 12 m off the centre line, counting on across the
    /// road's parts as Chinese towns number them. The geocoder resolves addresses to them.
    func writeAddresses(_ w: GeoJSONSeqWriter) {
        let spacing = 30.0, offset = 12.0
        let urban = try? geos.prepare(urbanArea)
        for road in roads where road.kind != .rural && road.kind != .expressway {
            var station = 0
            for part in road.parts {
                var carried = 0.0
                for (a, b) in zip(part, part.dropFirst()) {
                    let dx = b.x - a.x, dy = b.y - a.y
                    let length = hypot(dx, dy)
                    guard length > 0 else { continue }
                    var t = carried
                    while t < length {
                        let p = Coordinate(a.x + dx * t / length, a.y + dy * t / length)
                        // Left and right of the direction of travel.
                        let nx = -dy / length, ny = dx / length
                        for side in [1.0, -1.0] {
                            let q = Coordinate(p.x + nx * offset * side, p.y + ny * offset * side)
                            guard let d = district(at: q), (try? urban?.contains(q)) == true else { continue }
                            let number = 2 * station + (side > 0 ? 1 : 2)
                            w.write(.point(q), [
                                ("road", .text(road.name)), ("number", .integer(Int64(number))), ("label", .text("\(number)号")),
                                ("address", .text("\(districts[d].name)\(road.name)\(number)号")), ("district", .text(districts[d].name)),
                            ])
                        }
                        station += 1
                        t += spacing
                    }
                    carried = t - length
                }
            }
        }
    }
}
