import OneMapGeometry

/// The unit grids of a city in memory, for point → grid lookups without a round trip to the
/// store: a 数字城管 centre geocodes every report, every camera alarm and every click on the map.
///
/// A point is inside a grid when a ray from it to the east crosses the grid's rings an odd number
/// of times. Each crossing is decided by the sign of an orientation, taken only when rounding
/// cannot have flipped it (Shewchuk's error bound for the determinant in doubles). A point on an
/// edge or a vertex, or within rounding of one, is `undecided`: the caller asks the store, whose
/// exact predicate (ST_Contains, for which a boundary point is not contained) decides. So the
/// answers are the store's, point for point, and the store is asked only on the boundaries.
struct UnitGridIndex: Sendable {
    enum Answer: Equatable {
        /// Inside the grid at this position of `grids` (the lowest feature id when grids overlap).
        case inside(Int)
        case outside
        case undecided
    }

    /// The import (`Geocoder.gridIndexKey`) and version the grids were read at.
    let layer: String
    let version: Int
    let grids: [GridLocation]
    /// Per grid: its box and its rings as flat closed coordinate lists (x0, y0, x1, y1, …).
    private let boxes: [BoundingBox]
    private let rings: [[[Double]]]
    /// Grids by cell of a uniform grid over their extent.
    private let extent: BoundingBox
    private let columns: Int, rows: Int
    private let cells: [[Int32]]

    /// - Parameter grids: each grid's location and its polygons (already in the lookups' CRS).
    init(layer: String, version: Int, grids: [(GridLocation, Geometry)]) {
        self.layer = layer
        self.version = version
        var locations: [GridLocation] = [], boxes: [BoundingBox] = [], rings: [[[Double]]] = []
        for (location, geometry) in grids {
            let polygons: [[[Coordinate]]]
            switch geometry {
            case .polygon(let p): polygons = [p]
            case .multiPolygon(let m): polygons = m
            default: continue
            }
            let flat = polygons.flatMap { $0 }.filter { $0.count >= 4 }.map { ring in ring.flatMap { [$0.x, $0.y] } }
            guard let box = geometry.boundingBox, !flat.isEmpty else { continue }
            locations.append(location)
            boxes.append(box)
            rings.append(flat)
        }
        self.grids = locations
        self.boxes = boxes
        self.rings = rings
        let extent = boxes.dropFirst().reduce(boxes.first ?? BoundingBox(minX: 0, minY: 0, maxX: 0, maxY: 0)) { $0.union($1) }
        self.extent = extent
        // About two grids per cell.
        let side = max(1, min(512, Int((Double(boxes.count) / 2).squareRoot().rounded(.up))))
        columns = side
        rows = side
        var cells = [[Int32]](repeating: [], count: side * side)
        let cellWidth = extent.width / Double(side), cellHeight = extent.height / Double(side)
        func column(_ x: Double) -> Int { cellWidth > 0 ? min(side - 1, max(0, Int((x - extent.minX) / cellWidth))) : 0 }
        func row(_ y: Double) -> Int { cellHeight > 0 ? min(side - 1, max(0, Int((y - extent.minY) / cellHeight))) : 0 }
        for (i, box) in boxes.enumerated() {
            for r in row(box.minY)...row(box.maxY) {
                for c in column(box.minX)...column(box.maxX) { cells[r * side + c].append(Int32(i)) }
            }
        }
        self.cells = cells
    }

    /// The grid holding `point`, or that none does, or that the point lies on (or within rounding
    /// of) a boundary of a grid whose box holds it.
    func locate(_ point: Coordinate) -> Answer {
        guard extent.contains(point) else { return .outside }
        let c = extent.width > 0 ? min(columns - 1, Int((point.x - extent.minX) / (extent.width / Double(columns)))) : 0
        let r = extent.height > 0 ? min(rows - 1, Int((point.y - extent.minY) / (extent.height / Double(rows)))) : 0
        var undecided = false
        // Each cell lists its grids in ascending order: the lowest feature id wins.
        for k in cells[r * columns + c] where boxes[Int(k)].contains(point) {
            let i = Int(k)
            switch Self.inside(point.x, point.y, rings[i]) {
            case true?: return undecided ? .undecided : .inside(i)
            case nil: undecided = true
            case false?: break
            }
        }
        return undecided ? .undecided : .outside
    }

    /// Even-odd crossing test over all rings of a grid: true inside, false outside, nil on or
    /// within rounding of a boundary.
    static func inside(_ px: Double, _ py: Double, _ rings: [[Double]]) -> Bool? {
        var odd = false
        for ring in rings {
            var k = 0
            while k + 3 < ring.count {
                let ax = ring[k], ay = ring[k + 1], bx = ring[k + 2], by = ring[k + 3]
                k += 2
                if ax == px && ay == py { return nil }
                if ay == py && by == py {
                    // A horizontal edge through the point: on it, or no crossing.
                    if min(ax, bx) <= px && px <= max(ax, bx) { return nil }
                    continue
                }
                // Half-open in y, so a ray through a vertex counts the crossing once.
                guard (ay > py) != (by > py) else { continue }
                guard let side = orientation(ax, ay, bx, by, px, py) else { return nil }
                // East of the point: the point is left of an upward edge, right of a downward one.
                if (by > ay) == (side > 0) { odd.toggle() }
            }
        }
        return odd
    }

    /// The sign of the determinant of (a − p, b − p): positive when p is left of a → b; nil when
    /// its magnitude is within the rounding error of computing it in doubles.
    static func orientation(_ ax: Double, _ ay: Double, _ bx: Double, _ by: Double, _ px: Double, _ py: Double) -> Int? {
        let left = (ax - px) * (by - py), right = (ay - py) * (bx - px)
        let det = left - right
        let bound = (3.0 + 16.0 * Double.ulpOfOne / 2) * (Double.ulpOfOne / 2) * (abs(left) + abs(right))
        if det > bound { return 1 }
        if -det > bound { return -1 }
        return nil
    }
}
