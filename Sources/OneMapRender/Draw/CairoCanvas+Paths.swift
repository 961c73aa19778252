import OneMapGeometry

extension CairoCanvas {
    /// Adds every polygon's rings to the current path, exteriors one way round and holes the
    /// other, so the non-zero rule fills many polygons in one go without seams and keeps holes.
    func addPolygons(_ g: FlatGeometry) {
        var part = 0
        let ends = g.polygonEnds.isEmpty ? [g.partEnds.count] : g.polygonEnds
        for polygonEnd in ends {
            var first = true
            while part < polygonEnd {
                let range = g.partRange(part)
                part += 1
                guard range.count >= 3 else {
                    first = false
                    continue
                }
                var area = 0.0
                var j = range.upperBound - 1
                for i in range {
                    area += (g.coordinates[j].x + g.coordinates[i].x) * (g.coordinates[j].y - g.coordinates[i].y)
                    j = i
                }
                let wantPositive = first
                first = false
                let reversed = (area > 0) != wantPositive
                if reversed {
                    var k = range.upperBound - 1
                    moveTo(g.coordinates[k].x, g.coordinates[k].y)
                    k -= 1
                    while k >= range.lowerBound {
                        lineTo(g.coordinates[k].x, g.coordinates[k].y)
                        k -= 1
                    }
                } else {
                    moveTo(g.coordinates[range.lowerBound].x, g.coordinates[range.lowerBound].y)
                    for k in (range.lowerBound + 1)..<range.upperBound { lineTo(g.coordinates[k].x, g.coordinates[k].y) }
                }
                closePath()
            }
        }
    }

    /// Adds every part as an open polyline (polygon rings too, for outlines), offset sideways by
    /// `offset` pixels (positive: right of the direction of travel).
    func addLines(_ g: FlatGeometry, offset: Double = 0) {
        let closed = g.type.dimension == 2
        for part in 0..<g.partCount {
            let range = g.partRange(part)
            guard range.count >= 2 else { continue }
            if offset == 0 {
                moveTo(g.coordinates[range.lowerBound].x, g.coordinates[range.lowerBound].y)
                for k in (range.lowerBound + 1)..<range.upperBound { lineTo(g.coordinates[k].x, g.coordinates[k].y) }
                if closed { closePath() }
            } else {
                let points = Self.offset(Array(g.coordinates[range]), by: offset)
                moveTo(points[0].x, points[0].y)
                for p in points.dropFirst() { lineTo(p.x, p.y) }
            }
        }
    }

    /// A polyline moved sideways with mitred corners (limited, so sharp turns do not spike).
    static func offset(_ line: [Coordinate], by d: Double) -> [Coordinate] {
        let n = line.count
        var normals: [Coordinate] = []
        normals.reserveCapacity(n - 1)
        for k in 0..<(n - 1) {
            let dx = line[k + 1].x - line[k].x, dy = line[k + 1].y - line[k].y
            let len = max((dx * dx + dy * dy).squareRoot(), 1e-9)
            normals.append(Coordinate(-dy / len, dx / len))
        }
        var out: [Coordinate] = []
        out.reserveCapacity(n)
        for k in 0..<n {
            let a = normals[max(0, k - 1)], b = normals[min(n - 2, k)]
            var mx = a.x + b.x, my = a.y + b.y
            let len = (mx * mx + my * my).squareRoot()
            if len < 1e-6 {
                mx = b.x
                my = b.y
            } else {
                let cosHalf = len / 2
                let scale = 1 / max(cosHalf, 0.25)
                mx = mx / len * scale
                my = my / len * scale
            }
            out.append(Coordinate(line[k].x + mx * d, line[k].y + my * d))
        }
        return out
    }
}
