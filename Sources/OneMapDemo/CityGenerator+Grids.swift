import Foundation
import OneMapGeometry

/// A unit grid (万米单元网格) cell, possibly a piece of a cell cut by a district boundary.
struct UnitGrid {
    let i: Int
    let j: Int
    let polygon: Geometry
    let district: Int
    let urban: Bool
    /// Only for pieces at district boundaries: which point belongs to this piece.
    let prepared: PreparedGeometry?
    var community = -1
    var code = ""
}

struct Community {
    let district: Int
    let urban: Bool
    var cells: [Int]
    var center: Coordinate
    var street = -1
    var code = ""
    var name = ""
    var polygon: Geometry = .polygon([])
    var population = 0
}

struct StreetOffice {
    let district: Int
    var communities: [Int]
    var center: Coordinate
    var code = ""
    var name = ""
    var polygon: Geometry = .polygon([])
}

/// The three levels of 数字城管 grid management, built bottom-up.
struct GridManagement {
    var cells: [UnitGrid] = []
    /// Cell (i, j) → indices into `cells` (boundary cells have several pieces).
    var index: [Int: [Int]] = [:]
    var communities: [Community] = []
    var streets: [StreetOffice] = []

    static func key(_ i: Int, _ j: Int) -> Int { (i + 100_000) * 200_000 + (j + 100_000) }
}

extension CityGenerator {
    func buildGrids() throws -> GridManagement {
        var grid = GridManagement()
        let g = Self.gridSize
        let ratio = Int(Self.blockSize / g)
        for i in (uRange.lowerBound * ratio)..<(uRange.upperBound * ratio) {
            for j in (vRange.lowerBound * ratio)..<(vRange.upperBound * ratio) {
                let ring = [frame.warp(Double(i) * g, Double(j) * g), frame.warp(Double(i + 1) * g, Double(j) * g),
                            frame.warp(Double(i + 1) * g, Double(j + 1) * g), frame.warp(Double(i) * g, Double(j + 1) * g),
                            frame.warp(Double(i) * g, Double(j) * g)]
                let polygon = Geometry.polygon([ring])
                let center = frame.warp((Double(i) + 0.5) * g, (Double(j) + 0.5) * g)
                guard try unionPrepared.intersects(polygon) else { continue }
                let urban = isUrban(center)
                if let d = district(at: center), try districts[d].prepared.contains(polygon) {
                    grid.index[GridManagement.key(i, j), default: []].append(grid.cells.count)
                    grid.cells.append(UnitGrid(i: i, j: j, polygon: polygon, district: d, urban: urban, prepared: nil))
                    continue
                }
                for (d, district) in districts.enumerated() where try district.prepared.intersects(polygon) {
                    let piece = polygonal(try geos.intersection(polygon, district.polygon))
                    guard try geos.area(piece) > 800 else { continue }
                    grid.index[GridManagement.key(i, j), default: []].append(grid.cells.count)
                    grid.cells.append(UnitGrid(i: i, j: j, polygon: piece, district: d, urban: urban, prepared: try geos.prepare(piece)))
                }
            }
        }
        try groupCommunities(&grid)
        try groupStreets(&grid)
        try codeAndName(&grid)
        log("grid management: \(grid.streets.count) street offices, \(grid.communities.count) communities, \(grid.cells.count) unit grids")
        return grid
    }

    /// Communities: 6×6 cells (600 m) in town, 12×12 (villages) outside; tiny ones join a neighbour.
    func groupCommunities(_ grid: inout GridManagement) throws {
        var byKey: [String: Int] = [:]
        for (c, cell) in grid.cells.enumerated() {
            let size = cell.urban ? 6 : 12
            let key = "\(cell.district)/\(cell.urban)/\(Int(floor(Double(cell.i) / Double(size))))/\(Int(floor(Double(cell.j) / Double(size))))"
            let center = frame.warp((Double(cell.i) + 0.5) * Self.gridSize, (Double(cell.j) + 0.5) * Self.gridSize)
            if let k = byKey[key] {
                grid.communities[k].cells.append(c)
            } else {
                byKey[key] = grid.communities.count
                grid.communities.append(Community(district: cell.district, urban: cell.urban, cells: [c], center: center))
            }
        }
        func centroid(_ cells: [Int]) -> Coordinate {
            var x = 0.0, y = 0.0
            for c in cells {
                let p = frame.warp((Double(grid.cells[c].i) + 0.5) * Self.gridSize, (Double(grid.cells[c].j) + 0.5) * Self.gridSize)
                x += p.x
                y += p.y
            }
            return Coordinate(x / Double(cells.count), y / Double(cells.count))
        }
        for k in grid.communities.indices { grid.communities[k].center = centroid(grid.communities[k].cells) }
        // Merge communities of fewer than 8 cells into the nearest one in the same district.
        var merged = true
        while merged {
            merged = false
            for k in grid.communities.indices where !grid.communities[k].cells.isEmpty && grid.communities[k].cells.count < 8 {
                let me = grid.communities[k]
                let target = grid.communities.indices.filter { $0 != k && grid.communities[$0].district == me.district && !grid.communities[$0].cells.isEmpty }
                    .min { hypot(grid.communities[$0].center.x - me.center.x, grid.communities[$0].center.y - me.center.y)
                        < hypot(grid.communities[$1].center.x - me.center.x, grid.communities[$1].center.y - me.center.y) }
                guard let target else { continue }
                grid.communities[target].cells += me.cells
                grid.communities[k].cells = []
                grid.communities[target].center = centroid(grid.communities[target].cells)
                merged = true
            }
        }
        grid.communities.removeAll { $0.cells.isEmpty }
        for (k, community) in grid.communities.enumerated() {
            for c in community.cells { grid.cells[c].community = k }
        }
    }

    /// Street offices: k-means on community centres within each district (8 in 运河区, 6 in 新华区).
    func groupStreets(_ grid: inout GridManagement) throws {
        for (d, _) in districts.enumerated() {
            let members = grid.communities.indices.filter { grid.communities[$0].district == d }
            let k = d == 0 ? 8 : 6
            // Farthest-point start, then a few Lloyd iterations: deterministic and well spread.
            var seeds = [grid.communities[members[0]].center]
            while seeds.count < k {
                let far = members.max { a, b in
                    seeds.map { hypot(grid.communities[a].center.x - $0.x, grid.communities[a].center.y - $0.y) }.min()!
                        < seeds.map { hypot(grid.communities[b].center.x - $0.x, grid.communities[b].center.y - $0.y) }.min()!
                }!
                seeds.append(grid.communities[far].center)
            }
            var assignment: [Int: Int] = [:]
            for _ in 0..<12 {
                for m in members {
                    let c = grid.communities[m].center
                    assignment[m] = seeds.indices.min { hypot(seeds[$0].x - c.x, seeds[$0].y - c.y) < hypot(seeds[$1].x - c.x, seeds[$1].y - c.y) }!
                }
                for s in seeds.indices {
                    let mine = members.filter { assignment[$0] == s }
                    guard !mine.isEmpty else { continue }
                    seeds[s] = Coordinate(mine.map { grid.communities[$0].center.x }.reduce(0, +) / Double(mine.count),
                                          mine.map { grid.communities[$0].center.y }.reduce(0, +) / Double(mine.count))
                }
            }
            for s in seeds.indices {
                let mine = members.filter { assignment[$0] == s }
                guard !mine.isEmpty else { continue }
                for m in mine { grid.communities[m].street = grid.streets.count }
                grid.streets.append(StreetOffice(district: d, communities: mine, center: seeds[s]))
            }
        }
    }

    /// Codes as in standards.md: county (6) + street (3) + community (3) + sequence (3), each level
    /// numbered north→south, west→east; names from the nearest main road or a village name.
    func codeAndName(_ grid: inout GridManagement) throws {
        var rng = random("grid-names")
        func northWest(_ a: Coordinate, _ b: Coordinate) -> Bool {
            let rowA = Int(-a.y / 500), rowB = Int(-b.y / 500)
            return rowA != rowB ? rowA < rowB : a.x < b.x
        }
        var usedNames = Set<String>()
        func unique(_ make: () -> String) -> String {
            var n = make()
            var tries = 0
            while usedNames.contains(n) && tries < 50 {
                n = make()
                tries += 1
            }
            usedNames.insert(n)
            return n
        }
        let mainRoads = roads.filter { $0.kind == .primary || $0.kind == .expressway }
        for (d, district) in districts.enumerated() {
            let streets = grid.streets.indices.filter { grid.streets[$0].district == d }.sorted { northWest(grid.streets[$0].center, grid.streets[$1].center) }
            for (n, s) in streets.enumerated() {
                grid.streets[s].code = district.code + String(format: "%03d", n + 1)
                let rural = grid.streets[s].communities.filter { !grid.communities[$0].urban }.count * 2 > grid.streets[s].communities.count
                if rural {
                    grid.streets[s].name = unique { rng.pick(Names.surnames) + rng.pick(Names.villageSuffixes) + rng.pick(["镇", "乡"]) }
                } else {
                    let c = grid.streets[s].center
                    let nearest = mainRoads.min { a, b in
                        a.parts.flatMap { $0 }.map { hypot($0.x - c.x, $0.y - c.y) }.min()! < b.parts.flatMap { $0 }.map { hypot($0.x - c.x, $0.y - c.y) }.min()!
                    }
                    let stem = nearest.map { String($0.name.dropLast($0.name.hasSuffix("大道") ? 2 : 1)) } ?? rng.pick(Names.placeStems)
                    grid.streets[s].name = unique { usedNames.contains(stem + "街道") ? rng.pick(Names.placeStems) + "街道" : stem + "街道" }
                }
                let communities = grid.streets[s].communities.sorted { northWest(grid.communities[$0].center, grid.communities[$1].center) }
                for (m, c) in communities.enumerated() {
                    grid.communities[c].code = grid.streets[s].code + String(format: "%03d", m + 1)
                    grid.communities[c].name = grid.communities[c].urban
                        ? unique { rng.pick(Names.placeStems) + rng.pick(["社区", "社区", "里社区", "园社区"]) }
                        : unique { rng.pick(Names.surnames) + rng.pick(Names.villageSuffixes) + "村" }
                    let cells = grid.communities[c].cells.sorted { a, b in
                        grid.cells[a].j != grid.cells[b].j ? grid.cells[a].j > grid.cells[b].j : grid.cells[a].i < grid.cells[b].i
                    }
                    for (q, cell) in cells.enumerated() { grid.cells[cell].code = grid.communities[c].code + String(format: "%03d", q + 1) }
                }
            }
        }
        for c in grid.communities.indices {
            grid.communities[c].polygon = polygonal(try geos.union(grid.communities[c].cells.map { grid.cells[$0].polygon }))
        }
        for s in grid.streets.indices {
            grid.streets[s].polygon = polygonal(try geos.union(grid.streets[s].communities.map { grid.communities[$0].polygon }))
        }
    }

    /// The unit grid containing a point, if any.
    func unitGrid(at p: Coordinate, in grid: GridManagement) -> Int? {
        let (u, v) = frame.unwarp(p)
        let i = Int(floor(u / Self.gridSize)), j = Int(floor(v / Self.gridSize))
        guard let candidates = grid.index[GridManagement.key(i, j)] else { return nil }
        if candidates.count == 1 && grid.cells[candidates[0]].prepared == nil { return candidates[0] }
        return candidates.first { (try? grid.cells[$0].prepared?.contains(p)) == true }
    }

    /// Population per community from the residential buildings in it (33 m² of floor area per
    /// person in town, 3.2 people per village house).
    func estimatePopulation(_ grid: inout GridManagement, buildings: [Building]) throws {
        var rng = random("population")
        for b in buildings where b.use == "住宅" || b.use == "村居" {
            let c = Coordinate(b.polygon.dropLast().map(\.x).reduce(0, +) / 4, b.polygon.dropLast().map(\.y).reduce(0, +) / 4)
            guard let cell = unitGrid(at: c, in: grid) else { continue }
            let people = b.use == "住宅" ? try geos.area(.polygon([b.polygon])) * Double(b.floors) * 0.82 / 33 : 3.2
            grid.communities[grid.cells[cell].community].population += Int(people * rng.uniform(0.85, 1.1))
        }
    }

    func writeGrids(_ grid: GridManagement, unitGrids: GeoJSONSeqWriter, communities: GeoJSONSeqWriter, streets: GeoJSONSeqWriter, population: GeoJSONSeqWriter) throws {
        var rng = random("grid-attributes")
        for cell in grid.cells {
            let community = grid.communities[cell.community]
            unitGrids.write(cell.polygon, [
                ("code", .text(cell.code)), ("community", .text(community.name)), ("street", .text(grid.streets[community.street].name)),
                ("district", .text(districts[cell.district].name)), ("area_m2", .real(try geos.area(cell.polygon).rounded())),
                ("kind", .text(cell.urban ? "城市网格" : "农村网格")),
            ])
        }
        for community in grid.communities {
            communities.write(community.polygon.asMulti, [
                ("code", .text(community.code)), ("name", .text(community.name)), ("street", .text(grid.streets[community.street].name)),
                ("district", .text(districts[community.district].name)), ("grids", .integer(Int64(community.cells.count))),
                ("kind", .text(community.urban ? "社区" : "行政村")),
            ])
            let people = max(community.population, community.urban ? 300 : 120)
            let households = Int64(Double(people) / rng.uniform(2.5, 2.9))
            let elderly = (rng.uniform(11, 23) * 10).rounded() / 10
            let km2 = max(try geos.area(community.polygon) / 1e6, 0.01)
            let density = Int64(Double(people) / km2)
            population.write(community.polygon.asMulti, [
                ("code", .text(community.code)), ("name", .text(community.name)), ("population", .integer(Int64(people))),
                ("households", .integer(households)), ("elderly_pct", .real(elderly)), ("year", .integer(2025)),
                ("density_per_km2", .integer(density)),
            ])
        }
        for street in grid.streets {
            streets.write(street.polygon.asMulti, [
                ("code", .text(street.code)), ("name", .text(street.name)), ("district", .text(districts[street.district].name)),
                ("communities", .integer(Int64(street.communities.count))),
            ])
        }
    }
}
