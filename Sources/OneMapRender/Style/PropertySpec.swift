/// The style layer types OneMap renders.
public enum LayerType: String, Sendable, CaseIterable {
    case background, fill, line, circle, symbol, raster, hillshade
    case colorRelief = "color-relief"

    /// The source type the layer needs (nil: none).
    var sourceType: String? {
        switch self {
        case .background: nil
        case .fill, .line, .circle, .symbol: "vector"
        case .raster: "raster"
        case .hillshade, .colorRelief: "raster-dem"
        }
    }
}

/// What a paint or layout property accepts and its default.
struct PropertySpec {
    let type: ValueType
    let defaultValue: StyleValue
    /// Allowed strings for enumerations.
    var values: [String]? = nil
    /// The number of numbers an array property holds (nil: any).
    var arrayLength: Int? = nil

    static func number(_ d: Double) -> PropertySpec { PropertySpec(type: .number, defaultValue: .number(d)) }
    static func color(_ c: Color) -> PropertySpec { PropertySpec(type: .color, defaultValue: .color(c)) }
    static func boolean(_ b: Bool) -> PropertySpec { PropertySpec(type: .boolean, defaultValue: .bool(b)) }
    static func string(_ s: String) -> PropertySpec { PropertySpec(type: .string, defaultValue: .string(s)) }
    static func enumeration(_ d: String, _ values: [String]) -> PropertySpec { PropertySpec(type: .string, defaultValue: .string(d), values: values) }
    static func numbers(_ d: [Double], length: Int? = nil) -> PropertySpec {
        PropertySpec(type: .array, defaultValue: .array(d.map { .number($0) }), arrayLength: length)
    }

    static let anchors = ["center", "left", "right", "top", "bottom", "top-left", "top-right", "bottom-left", "bottom-right"]

    /// Paint and layout properties by layer type (MapLibre style spec names and defaults).
    static let paint: [LayerType: [String: PropertySpec]] = [
        .background: ["background-color": .color(.black), "background-opacity": .number(1)],
        .fill: [
            "fill-color": .color(.black), "fill-opacity": .number(1), "fill-outline-color": PropertySpec(type: .color, defaultValue: .null),
            "fill-antialias": .boolean(true), "fill-pattern": PropertySpec(type: .string, defaultValue: .null),
        ],
        .line: [
            "line-color": .color(.black), "line-width": .number(1), "line-opacity": .number(1), "line-offset": .number(0),
            "line-gap-width": .number(0), "line-dasharray": PropertySpec(type: .array, defaultValue: .null),
        ],
        .circle: [
            "circle-radius": .number(5), "circle-color": .color(.black), "circle-opacity": .number(1), "circle-stroke-width": .number(0),
            "circle-stroke-color": .color(.black), "circle-stroke-opacity": .number(1),
        ],
        .symbol: [
            "text-color": .color(.black), "text-opacity": .number(1), "text-halo-color": .color(.transparent), "text-halo-width": .number(0),
            "icon-opacity": .number(1),
        ],
        .raster: [
            "raster-opacity": .number(1), "raster-brightness-min": .number(0), "raster-brightness-max": .number(1),
            "raster-saturation": .number(0), "raster-contrast": .number(0),
            "raster-resampling": .enumeration("linear", ["linear", "nearest"]), "raster-fade-duration": .number(300),
        ],
        .hillshade: [
            "hillshade-exaggeration": .number(0.5), "hillshade-illumination-direction": .number(335),
            "hillshade-illumination-anchor": .enumeration("viewport", ["map", "viewport"]),
            "hillshade-shadow-color": .color(.black), "hillshade-highlight-color": .color(.white), "hillshade-accent-color": .color(.black),
        ],
        .colorRelief: [
            "color-relief-color": PropertySpec(type: .color, defaultValue: .null), "color-relief-opacity": .number(1),
        ],
    ]

    static let layout: [LayerType: [String: PropertySpec]] = {
        let visibility: [String: PropertySpec] = ["visibility": .enumeration("visible", ["visible", "none"])]
        return [
            .background: visibility,
            .fill: visibility.merging(["fill-sort-key": .number(0)]) { a, _ in a },
            .line: visibility.merging([
                "line-cap": .enumeration("butt", ["butt", "round", "square"]), "line-join": .enumeration("miter", ["bevel", "round", "miter"]),
                "line-miter-limit": .number(2), "line-round-limit": .number(1.05), "line-sort-key": .number(0),
            ]) { a, _ in a },
            .circle: visibility.merging(["circle-sort-key": .number(0)]) { a, _ in a },
            .symbol: visibility.merging([
                "symbol-placement": .enumeration("point", ["point", "line", "line-center"]), "symbol-spacing": .number(250),
                "symbol-sort-key": .number(0), "symbol-avoid-edges": .boolean(false),
                "text-field": PropertySpec(type: .string, defaultValue: .string("")), "text-font": PropertySpec(type: .array, defaultValue: .array([.string("Noto Sans CJK SC Regular")])),
                "text-size": .number(16), "text-max-width": .number(10), "text-line-height": .number(1.2), "text-letter-spacing": .number(0),
                "text-justify": .enumeration("center", ["auto", "left", "center", "right"]), "text-anchor": .enumeration("center", anchors),
                "text-offset": .numbers([0, 0], length: 2), "text-rotate": .number(0), "text-padding": .number(2),
                "text-allow-overlap": .boolean(false), "text-ignore-placement": .boolean(false), "text-optional": .boolean(false),
                "text-transform": .enumeration("none", ["none", "uppercase", "lowercase"]), "text-max-angle": .number(45),
                "text-keep-upright": .boolean(true),
                "icon-image": PropertySpec(type: .string, defaultValue: .null), "icon-size": .number(1), "icon-anchor": .enumeration("center", anchors),
                "icon-offset": .numbers([0, 0], length: 2), "icon-allow-overlap": .boolean(false), "icon-ignore-placement": .boolean(false),
                "icon-optional": .boolean(false), "icon-padding": .number(2), "icon-rotate": .number(0),
            ]) { a, _ in a },
            .raster: visibility,
            .hillshade: visibility,
            .colorRelief: visibility,
        ]
    }()
}
