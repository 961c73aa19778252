import Hummingbird
import OneMapStore

/// The HTML pages of the OGC API (`f=html`): what a browser shows for the landing page,
/// conformance, collections, items and single features.
enum OGCPages {
    static func landing(base: String) -> Response {
        let base = HTMLPage.escape(base)
        return HTMLPage.response(title: "OneMap 一张图 — OGC API", body: """
            <h2>数据与服务</h2>
            <ul><li><a href="\(base)/ogc/collections?f=html">要素集合（OGC API – Features）</a></li>
            <li><a href="\(base)/ogc/processes?f=html">分析服务（OGC API – Processes）</a> · <a href="\(base)/ogc/jobs?f=html">分析任务</a></li>
            <li><a href="\(base)/ogc/tileMatrixSets">瓦片矩阵集（OGC API – Tiles）</a></li>
            <li><a href="\(base)/wmts?SERVICE=WMTS&amp;REQUEST=GetCapabilities">WMTS 1.0.0 能力文档</a>（QGIS、ArcGIS、SuperMap 添加图层）</li>
            <li><a href="\(base)/wms?SERVICE=WMS&amp;REQUEST=GetCapabilities">WMS 1.3.0 能力文档</a>（含图例 GetLegendGraphic）</li>
            <li><a href="\(base)/maps">地图列表（MapLibre 样式、TileJSON）</a></li>
            <li><a href="\(base)/">一张图 Web 地图</a></li></ul>
            <h2>接口说明</h2>
            <ul><li><a href="\(base)/ogc/conformance?f=html">符合性类别</a></li>
            <li><a href="\(base)/ogc/api">OpenAPI 3.0 文档</a></li></ul>
            """)
    }

    static func conformance(_ classes: [String]) -> Response {
        HTMLPage.response(title: "符合性类别", body: "<ul>" + classes.map { "<li>\(HTMLPage.escape($0))</li>" }.joined() + "</ul>")
    }

    static func collections(_ layers: [Layer], base: String) -> Response {
        let base = HTMLPage.escape(base)
        let rows = layers.map { l in
            "<tr><td><a href=\"\(base)/ogc/collections/\(l.id)?f=html\">\(HTMLPage.escape(l.title))</a></td><td>\(HTMLPage.escape(l.id))</td><td>\(l.featureCount)</td></tr>"
        }
        return HTMLPage.response(title: "要素集合", body: "<table><tr><th>名称</th><th>标识</th><th>要素数</th></tr>\(rows.joined())</table>")
    }

    /// The layer's schema and a small map of it: the layer alone (WMS GetMap of its extent) over the
    /// base map.
    static func collection(_ layer: Layer, base: String, preview: String?) -> Response {
        let base = HTMLPage.escape(base)
        let fields = layer.attributes.map { "<tr><td>\(HTMLPage.escape($0.name))</td><td>\(HTMLPage.escape($0.displayName))</td><td>\($0.type.rawValue)</td></tr>" }
        let map = preview.map { "<p><img src=\"\(HTMLPage.escape($0))\" width=\"480\" height=\"320\" alt=\"\(HTMLPage.escape(layer.title)) 预览\" style=\"border:1px solid #999\"></p>" } ?? ""
        return HTMLPage.response(title: layer.title, body: """
            <p>\(layer.featureCount) 个要素 · \(layer.geometryType?.name ?? "") · \(layer.storageCRS.identifier) · <a href="\(base)/ogc/collections/\(layer.id)/items?f=html">浏览要素</a> · <a href="\(base)/ogc/collections/\(layer.id)/queryables">可查询属性</a></p>
            \(map)
            <table><tr><th>属性</th><th>名称</th><th>类型</th></tr>\(fields.joined())</table>
            """)
    }

    /// One page of items as a table, with a link to the next page when there is one.
    static func items(_ layer: Layer, rows: [(Int64, [FeatureValue])], result: FeatureQueryResult, query: FeatureQuery, next: String) -> Response {
        let names = result.properties
        let header = "<tr><th>编号</th>" + names.map { n in "<th>\(HTMLPage.escape(layer.attribute(n)?.displayName ?? n))</th>" }.joined() + "</tr>"
        let body = rows.map { id, values in
            "<tr><td><a href=\"items/\(id)?f=html\">\(id)</a></td>" + values.map { "<td>\(HTMLPage.escape($0.description))</td>" }.joined() + "</tr>"
        }
        var nav = "<p>第 \(query.offset + 1)–\(query.offset + result.returned) 个，共 \(result.matched) 个要素"
        if query.offset + result.returned < result.matched {
            nav += " · <a href=\"items\(HTMLPage.escape(next))\">下一页</a>"
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
