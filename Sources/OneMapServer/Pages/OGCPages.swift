import Hummingbird
import OneMapStore

/// The HTML pages of the OGC API (`f=html`): what a browser shows for the landing page,
/// conformance, collections, items and single features.
enum OGCPages {
    static func landing(base: String) -> Response {
        HTMLPage.response(title: "OneMap 一张图 — OGC API", body: """
            <ul><li><a href="\(base)/ogc/collections?f=html">Collections</a></li>
            <li><a href="\(base)/ogc/conformance?f=html">Conformance</a></li>
            <li><a href="\(base)/ogc/api">OpenAPI document</a></li>
            <li><a href="\(base)/ogc/tileMatrixSets">Tile matrix sets</a></li>
            <li><a href="\(base)/ogc/processes?f=html">Processes 分析服务</a></li>
            <li><a href="\(base)/ogc/jobs?f=html">Jobs 分析任务</a></li></ul>
            """)
    }

    static func conformance(_ classes: [String]) -> Response {
        HTMLPage.response(title: "Conformance", body: "<ul>" + classes.map { "<li>\(HTMLPage.escape($0))</li>" }.joined() + "</ul>")
    }

    static func collections(_ layers: [Layer], base: String) -> Response {
        let rows = layers.map { l in
            "<tr><td><a href=\"\(base)/ogc/collections/\(l.id)?f=html\">\(HTMLPage.escape(l.id))</a></td><td>\(HTMLPage.escape(l.title))</td><td>\(l.featureCount)</td></tr>"
        }
        return HTMLPage.response(title: "Collections", body: "<table><tr><th>id</th><th>title</th><th>features</th></tr>\(rows.joined())</table>")
    }

    static func collection(_ layer: Layer, base: String) -> Response {
        let fields = layer.attributes.map { "<tr><td>\(HTMLPage.escape($0.name))</td><td>\(HTMLPage.escape($0.displayName))</td><td>\($0.type.rawValue)</td></tr>" }
        return HTMLPage.response(title: layer.title, body: """
            <p>\(layer.featureCount) features · \(layer.geometryType?.name ?? "") · \(layer.storageCRS.identifier) · <a href="\(base)/ogc/collections/\(layer.id)/items?f=html">items</a></p>
            <table><tr><th>property</th><th>title</th><th>type</th></tr>\(fields.joined())</table>
            """)
    }

    /// One page of items as a table, with a link to the next page when there is one.
    static func items(_ layer: Layer, rows: [(Int64, [FeatureValue])], result: FeatureQueryResult, query: FeatureQuery, next: String) -> Response {
        let names = result.properties
        let header = "<tr><th>id</th>" + names.map { n in "<th>\(HTMLPage.escape(layer.attribute(n)?.displayName ?? n))</th>" }.joined() + "</tr>"
        let body = rows.map { id, values in
            "<tr><td><a href=\"items/\(id)?f=html\">\(id)</a></td>" + values.map { "<td>\(HTMLPage.escape($0.description))</td>" }.joined() + "</tr>"
        }
        var nav = "<p>\(result.returned) of \(result.matched) features"
        if query.offset + result.returned < result.matched {
            nav += " · <a href=\"items\(HTMLPage.escape(next))\">next</a>"
        }
        nav += "</p>"
        return HTMLPage.response(title: layer.title, body: nav + "<table>" + header + body.joined() + "</table>")
    }

    static func item(_ feature: Feature, layer: Layer) -> Response {
        let rows = zip(layer.attributes, feature.values).map { a, v in
            "<tr><th>\(HTMLPage.escape(a.displayName))</th><td>\(HTMLPage.escape(a.codes?[v.description].map { "\(v) \($0)" } ?? v.description))</td></tr>"
        }
        return HTMLPage.response(title: "\(layer.title) \(feature.id)", body: "<table>\(rows.joined())</table>")
    }
}
