import OneMapGeometry

import Foundation

/// A compiled paint or layout property: its expression (or the spec default), with how it varies.
public struct StyleProperty: Sendable {
    public let expression: Expression?
    public let defaultValue: StyleValue
    /// Varies per feature (must be evaluated for each one).
    public let featureDependent: Bool

    init(expression: Expression?, defaultValue: StyleValue) {
        self.expression = expression
        self.defaultValue = defaultValue
        featureDependent = expression?.isFeatureDependent ?? false
    }

    @inline(__always)
    public func value(_ ctx: EvaluationContext) -> StyleValue {
        guard let expression else { return defaultValue }
        let v = expression.evaluate(ctx)
        return v == .null ? defaultValue : v
    }

    public func number(_ ctx: EvaluationContext) -> Double { value(ctx).number ?? defaultValue.number ?? 0 }
    public func color(_ ctx: EvaluationContext) -> Color? { value(ctx).color ?? defaultValue.color }
    public func string(_ ctx: EvaluationContext) -> String {
        let v = value(ctx)
        return v == .null ? "" : v.description
    }
    public func bool(_ ctx: EvaluationContext) -> Bool { value(ctx).bool ?? defaultValue.bool ?? false }
    public func numbers(_ ctx: EvaluationContext) -> [Double] { value(ctx).numbers ?? defaultValue.numbers ?? [] }
}

/// One layer of a style.
public struct StyleLayer: Sendable {
    public let id: String
    public let type: LayerType
    public let source: String?
    /// The store layer id (vector layers).
    public let sourceLayer: String?
    public let minZoom: Double
    public let maxZoom: Double
    public let filter: Expression?
    public let paint: [String: StyleProperty]
    public let layout: [String: StyleProperty]
    public let visible: Bool
    /// Legend and grouping hints for the web map (from the layer's `metadata`).
    public let metadata: JSONValue?

    /// A paint property, or the spec default.
    public func paint(_ name: String) -> StyleProperty {
        paint[name] ?? StyleProperty(expression: nil, defaultValue: PropertySpec.paint[type]?[name]?.defaultValue ?? .null)
    }

    public func layout(_ name: String) -> StyleProperty {
        layout[name] ?? StyleProperty(expression: nil, defaultValue: PropertySpec.layout[type]?[name]?.defaultValue ?? .null)
    }

    /// Whether the layer draws at zoom `z` (minzoom inclusive, maxzoom exclusive).
    public func isVisible(atZoom z: Double) -> Bool { visible && z >= minZoom && z < maxZoom }

    /// The feature properties the layer's filter and properties read.
    public var usedProperties: Set<String> {
        var out = filter?.properties ?? []
        for p in paint.values { out.formUnion(p.expression?.properties ?? []) }
        for p in layout.values { out.formUnion(p.expression?.properties ?? []) }
        return out
    }
}

/// A source in a style: OneMap's store (`onemap:`), or one raster/DEM layer of it (`onemap:<id>`).
public struct StyleSource: Sendable {
    public let type: String
    /// For raster and raster-dem sources: the store layer id.
    public let layer: String?
}

/// How a map's tiles are encoded.
public enum TileFormat: String, Sendable {
    /// 32-bit RGBA PNG.
    case rgba
    /// 8-bit palette PNG (quantized), smaller.
    case palette
}

/// A loaded, validated map style.
public struct Style: Sendable {
    public let id: String
    /// A hash of the style's text: equal for equal styles across reloads, so caches keyed on it
    /// survive a reload and drop out when the style changes.
    public let loadID: String
    public let name: String
    public let layers: [StyleLayer]
    public let sources: [String: StyleSource]
    public let format: TileFormat
    public let attribution: String?
    /// The initial view for clients (lon, lat) and zoom.
    public let center: Coordinate?
    public let zoom: Double?
    /// The style document as loaded (served to clients).
    public let json: JSONValue

    /// A base map (`metadata."onemap:role": "base"`): shown one at a time under the others; a
    /// layer it shares with a thematic map is offered from the thematic one.
    public var isBaseMap: Bool { json["metadata"]?["onemap:role"]?.string == "base" }

    /// The store layers the style draws (vector source-layers and raster sources), sorted; kept
    /// rather than computed, since every tile request asks for them.
    public let storeLayers: [String]

    public init(id: String, loadID: String, name: String, layers: [StyleLayer], sources: [String: StyleSource], format: TileFormat,
                attribution: String?, center: Coordinate?, zoom: Double?, json: JSONValue) {
        self.id = id
        self.loadID = loadID
        self.name = name
        self.layers = layers
        self.sources = sources
        self.format = format
        self.attribution = attribution
        self.center = center
        self.zoom = zoom
        self.json = json
        var used = Set<String>()
        for l in layers {
            if let s = l.sourceLayer { used.insert(s) }
            if let src = l.source, let layer = sources[src]?.layer { used.insert(layer) }
        }
        storeLayers = used.sorted()
    }
}
