import Foundation
import OneMapGeometry
import OneMapStore
import Testing

@testable import OneMapRender

@Suite struct StyleLoaderTests {
    let environment = StyleEnvironment(
        layers: [
            "roads": Layer(id: "roads", title: "道路", group: "base", kind: .vector, geometryType: .lineString, storageCRS: .cgcs2000, attributes: [],
                           access: .public, featureCount: 1, extent: nil, version: 1, source: "t", synthetic: true, importedAt: "", table: "roads"),
            "dem": Layer(id: "dem", title: "DEM", group: "base", kind: .dem, geometryType: nil, storageCRS: .cgcs2000, attributes: [], access: .public,
                         featureCount: 0, extent: nil, version: 1, source: "t", synthetic: true, importedAt: "", table: "dem"),
        ],
        fontExists: { FontLibrary.shared.exists($0) }, icons: ["component-0118"])

    func problems(_ text: String) -> [String] {
        do {
            _ = try StyleLoader.load(id: "t", text: text, environment: environment)
            return []
        } catch RenderError.invalidStyle(_, let problems) {
            return problems
        } catch {
            return ["\(error)"]
        }
    }

    @Test func aValidStyleLoads() throws {
        let style = try StyleLoader.load(id: "ok", text: """
            {"version": 8, "sources": {"s": {"type": "vector", "url": "onemap:"}, "d": {"type": "raster-dem", "url": "onemap:dem"}},
             "metadata": {"onemap:format": "palette"},
             "layers": [{"id": "bg", "type": "background", "paint": {"background-color": "#fff"}},
                        {"id": "r", "type": "line", "source": "s", "source-layer": "roads", "filter": ["==", "class", "primary"],
                         "paint": {"line-width": {"stops": [[10, 1], [16, 6]]}, "line-color": "red", "line-color-transition": {"duration": 0}}},
                        {"id": "h", "type": "hillshade", "source": "d"},
                        {"id": "l", "type": "symbol", "source": "s", "source-layer": "roads",
                         "layout": {"text-field": ["get", "name"], "text-font": ["Noto Sans CJK SC Regular"], "icon-image": "component-0118"}}]}
            """, environment: environment)
        #expect(style.layers.count == 4 && style.format == .palette && style.storeLayers == ["dem", "roads"])
    }

    @Test func invalidJSONNamesItsPosition() {
        #expect(problems("{\"version\": 8,\n \"layers\": [}") == ["$: invalid JSON: unexpected character at line 2, column 13"])
    }

    @Test func everyProblemIsReportedWithItsPath() {
        let found = problems("""
            {"version": 8, "sources": {"s": {"type": "vector", "url": "onemap:"}, "x": {"type": "geojson", "data": {}}},
             "layers": [
               {"id": "a", "type": "fill-extrusion", "source": "s", "source-layer": "roads"},
               {"id": "b", "type": "line", "source": "s", "source-layer": "rivers"},
               {"id": "c", "type": "line", "source": "s", "source-layer": "roads", "paint": {"line-colour": "red", "line-width": ["concat", "a"]}},
               {"id": "d", "type": "symbol", "source": "s", "source-layer": "roads", "layout": {"text-font": ["No Such Font Regular"], "icon-image": "missing-icon"}},
               {"id": "e", "type": "line", "source": "nowhere", "source-layer": "roads", "layout": {"line-cap": "pointy"}},
               {"id": "a", "type": "circle", "source": "s", "source-layer": "dem", "paint": {"circle-color": "nope"}}
             ]}
            """)
        #expect(found == [
            "$.sources.x.type: unsupported source type 'geojson' (OneMap draws vector, raster and raster-dem sources from its store)",
            "$.layers[0].type: unknown or unsupported layer type 'fill-extrusion'",
            "$.layers[1].source-layer: no layer 'rivers' in the store",
            "$.layers[2].paint.line-colour: unknown or unsupported line property",
            "$.layers[2].paint.line-width: expected number but found string",
            "$.layers[3].layout.text-font: none of the fonts 'No Such Font Regular' is installed",
            "$.layers[3].layout.icon-image: no icon 'missing-icon' in the sprite sheet",
            "$.layers[4].source: no source 'nowhere'",
            "$.layers[4].layout.line-cap: 'pointy' is not one of butt, round, square",
            "$.layers[5].id: 'a' is used twice",
            "$.layers[5].source-layer: 'dem' is a dem layer, not vector",
            "$.layers[5].paint.circle-color: 'nope' is not a colour",
        ])
    }

    @Test func fontsResolveThroughFontconfig() {
        #expect(FontLibrary.shared.exists("Noto Sans CJK SC Regular"))
        #expect(FontLibrary.shared.exists("Noto Sans CJK SC Bold"))
        #expect(!FontLibrary.shared.exists("Comic Sans MS Regular"))
        // Simplified Chinese characters come from the SC face, never .notdef (a box).
        let face = FontLibrary.shared.face(named: "Noto Sans CJK SC Regular")!
        for ch in "沧州市运河区新华区一张图".unicodeScalars {
            #expect(FontLibrary.shared.glyph(ch, stack: [face]).glyph != 0)
        }
    }
}
