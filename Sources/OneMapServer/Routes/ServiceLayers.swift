import OneMapRender
import OneMapStore
import OneMapTiles

/// The layers WMS and WMTS offer a caller: every map it may use, and every store layer it may see
/// on its own (QGIS or ArcGIS add 三区三线 alone), drawn by the first map that draws it. One name
/// space: map ids first, then store layer ids.
struct ServiceLayer {
    let name: String
    let title: String
    /// The map, or the map reduced to this store layer.
    let style: Style
    /// The store layer alone (nil for a whole map).
    let only: [String]?
    /// The department of a store layer (its catalog group).
    let group: String?

    /// Department names for the capabilities' layer tree, in the web map's order.
    static let groups: [(id: String, title: String)] = [
        ("planning", "规划"), ("land", "自然资源（土地）"), ("environment", "生态环境"), ("grid", "网格化管理"),
        ("components", "城市部件"), ("emergency", "应急管理"), ("base", "基础地理"),
    ]

    static func maps(_ services: AppServices, _ principal: Principal) -> [ServiceLayer] {
        WMTSRoutes.layers(services, principal).map { ServiceLayer(name: $0.id, title: $0.name, style: $0, only: nil, group: nil) }
    }

    static func storeLayers(_ services: AppServices, _ principal: Principal) -> [ServiceLayer] {
        let mapIDs = Set(services.tiles.maps.entries.map(\.id))
        return services.tiles.layerStyles(for: principal).filter { !mapIDs.contains($0.layer.id) }.map {
            ServiceLayer(name: $0.layer.id, title: $0.layer.title, style: $0.style, only: [$0.layer.id], group: $0.layer.group)
        }
    }

    static func all(_ services: AppServices, _ principal: Principal) -> [ServiceLayer] {
        maps(services, principal) + storeLayers(services, principal)
    }

    /// The layer of that name the caller may use, or nil (unknown and forbidden look the same).
    static func named(_ name: String, _ services: AppServices, _ principal: Principal) -> ServiceLayer? {
        if let map = maps(services, principal).first(where: { $0.name == name }) { return map }
        guard !services.tiles.maps.entries.contains(where: { $0.id == name }), let found = services.tiles.layerStyle(name, for: principal) else { return nil }
        return ServiceLayer(name: name, title: found.layer.title, style: found.style, only: [name], group: found.layer.group)
    }

    /// Its legend as the caller sees it.
    func legend(_ services: AppServices, _ principal: Principal) -> Legend {
        Legend(style: style, layers: services.tiles.visibleLayers(style, for: principal), only: only.map(Set.init))
    }

    /// A rough height in pixels of the legend PNG at the default size, for LegendURL's attributes.
    static func legendHeight(_ legend: Legend) -> Int {
        var points = 12.0
        for section in legend.sections { points += 20.7 + Double(section.entries.count) * 15.75 }
        return Int(points * 96 / 72)
    }
}
