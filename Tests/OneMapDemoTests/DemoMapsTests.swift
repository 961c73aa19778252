import Foundation
import OneMapImage
import OneMapGeometry
import OneMapRender
import OneMapStore
import Testing

/// Every shipped map loads against the demo city and draws it, in both tile matrix sets and at @2x.
@Suite(.serialized) struct DemoMapsTests {
    static let styles = DemoFixture.repository.appendingPathComponent("Styles").path

    func catalog() async throws -> MapCatalog { try MapCatalog(directory: Self.styles, store: try await DemoFixture.store()) }

    @Test func everyShippedStyleLoads() async throws {
        let entries = try await catalog().entries
        #expect(Set(entries.map(\.id)) == ["basemap", "imagery", "terrain", "night", "planning", "landuse", "grid", "components", "environment", "emergency", "cases", "helsinki"])
        for entry in entries { #expect(entry.problems.isEmpty, "\(entry.id): \(entry.problems)") }
    }

    /// A point on a main road near the centre, so close-up tiles have streets and components.
    static func anchor(_ store: Store) -> Coordinate {
        guard let layer = try? store.layer("roads", for: .system),
            let roads = try? store.features(in: "roads", bbox: BoundingBox(minX: 116.83, minY: 38.29, maxX: 116.87, maxY: 38.32), for: .system)
        else { return Coordinate(116.852, 38.307) }
        var best = Coordinate(116.852, 38.307)
        var distance = Double.infinity
        for road in roads where road.value("class", in: layer) == .text("primary") {
            road.geometry?.forEachCoordinate { c in
                let d = hypot(c.x - 116.852, c.y - 38.307)
                if d < distance {
                    distance = d
                    best = c
                }
            }
        }
        return best
    }

    static func tile(_ tms: TileMatrixSet, z: Int, store: Store) -> TileID {
        let c = anchor(store)
        let p = tms.crs == .webMercator ? WebMercator.project(c) : c
        let r = tms.tileRange(covering: BoundingBox(minX: p.x, minY: p.y, maxX: p.x, maxY: p.y), zoom: z)!
        return TileID(z: z, x: r.columns.lowerBound, y: r.rows.lowerBound)
    }

    @Test(arguments: ["basemap", "imagery", "terrain", "night", "planning", "landuse", "grid", "components", "environment", "emergency", "cases"])
    func mapsDrawTheCityAtEveryZoom(map: String) async throws {
        let catalog = try await catalog()
        let style = try catalog.style(map)
        let store = try await DemoFixture.store()
        let renderer = TileRenderer(store: store, sprites: catalog.sprites)
        for tms in [TileMatrixSet.webMercatorQuad, .cgcs2000Quad] {
            for z in [12, 14, 16, 18] {
                let tile = Self.tile(tms, z: z, store: store)
                let rendered = try renderer.render(RenderRequest(style: style, tms: tms, tile: tile, principal: .system))
                let png = try rendered.encode(column: 0, row: 0, format: style.format)
                #expect(!png.isEmpty, "\(map) \(tms.id) \(tile) is empty")
                let image = try ImageCodec.decodePNG(png.data)
                // More than a flat background: several distinct colours.
                var colours = Set<UInt32>()
                for i in stride(from: 0, to: image.pixels.count, by: 4 * 37) {
                    colours.insert(UInt32(image.pixels[i]) << 16 | UInt32(image.pixels[i + 1]) << 8 | UInt32(image.pixels[i + 2]))
                }
                #expect(colours.count > 3, "\(map) \(tms.id) \(tile) has \(colours.count) colours")
            }
        }
        let retina = try renderer.render(RenderRequest(style: style, tms: .webMercatorQuad, tile: Self.tile(.webMercatorQuad, z: 15, store: store), scale: 2, principal: .system))
        #expect(try ImageCodec.decodePNG(retina.encode(column: 0, row: 0, format: style.format).data).width == 512)
    }

    @Test func confidentialLayersAreLeftOutForTheAnonymous() async throws {
        let catalog = try await catalog()
        let style = try catalog.style("emergency")
        let store = try await DemoFixture.store()
        let renderer = TileRenderer(store: store, sprites: catalog.sprites)
        let tile = Self.tile(.webMercatorQuad, z: 13, store: store)
        let full = try renderer.render(RenderRequest(style: style, tms: .webMercatorQuad, tile: tile, principal: .system))
        let anonymous = try renderer.render(RenderRequest(style: style, tms: .webMercatorQuad, tile: tile, principal: .anonymous))
        #expect(full.layerVersions["population"] != nil && full.layerVersions["hazmat_sites"] != nil)
        #expect(anonymous.layerVersions["population"] == nil && anonymous.layerVersions["hazmat_sites"] == nil)
        // Incidents (internal) and the saved flood depth are drawn for those who may see them.
        #expect(full.layerVersions["incidents"] != nil && full.layerVersions["flood_depth"] != nil)
        #expect(anonymous.layerVersions["incidents"] == nil)
        #expect(try full.encode(column: 0, row: 0, format: .rgba).data != anonymous.encode(column: 0, row: 0, format: .rgba).data)
    }
}

/// Legends read from the shipped styles: classes by filter, by `match`, rings and icons.
@Suite(.serialized) struct DemoLegendTests {
    @Test func threeLinesForTheThreeControlLinesAndRingsForComponentStates() async throws {
        let store = try await DemoFixture.store()
        let catalog = try MapCatalog(directory: DemoMapsTests.styles, store: store)
        let layers = try store.layers(for: .system)
        let planning = Legend(style: try catalog.style("planning"), layers: layers)
        let lines = try #require(planning.sections.first { $0.layerID == "control_lines" })
        #expect(Set(lines.entries.map(\.label)) == ["城镇开发边界", "生态保护红线", "永久基本农田"], "\(lines.entries.map(\.label))")
        let colours = lines.entries.compactMap { e -> Color? in if case .line(let c, _, _) = e.symbol { return c } else { return nil } }
        #expect(Set(colours).count == 3, "three different lines")
        let uses = try #require(planning.sections.first { $0.layerID == "planning" })
        #expect(uses.entries.contains { $0.label == "0701 城镇住宅用地" }, "code labels from the schema")
        let components = Legend(style: try catalog.style("components"), layers: layers, only: ["components"])
        #expect(components.sections.map(\.layerID) == ["components"])
        let entries = components.sections.first?.entries ?? []
        for state in ["破损", "丢失"] {
            let ring = entries.first { $0.label == state }
            guard case .circle(let fill, let stroke)? = ring?.symbol else { Issue.record("no ring for \(state)"); continue }
            #expect(fill.a == 0 && stroke != nil)
        }
        #expect(entries.contains { if case .icon = $0.symbol { return true } else { return false } }, "the icons of the close-up zooms")
        // Drawn: a PNG as tall as its entries.
        let image = try ImageCodec.decodePNG(try components.png(icons: catalog.sprites))
        #expect(image.width > 200 && image.height > Int(Double(entries.count) * 15))
        // Hidden layers have no legend.
        let anonymous = Legend(style: try catalog.style("emergency"), layers: try store.layers(for: .anonymous))
        #expect(!anonymous.sections.contains { $0.layerID == "hazmat_sites" || $0.layerID == "population" })
    }
}
