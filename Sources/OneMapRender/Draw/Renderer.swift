import Foundation
import OneMapGeometry
import OneMapStore

/// What to render: a block of `columns` × `rows` tiles of one map (a metatile), for one caller.
public struct RenderRequest: Sendable {
    public var style: Style
    public var tms: TileMatrixSet
    /// The top-left tile of the block.
    public var tile: TileID
    public var columns: Int
    public var rows: Int
    /// Pixel ratio: 1 for 256 px tiles, 2 for 512 px (@2x) tiles.
    public var scale: Int
    /// Whose rights decide which layers are drawn.
    public var principal: Principal
    /// Extra pixels around the block that features are read from (wide lines, symbols near the edge).
    public var buffer: Double

    public init(style: Style, tms: TileMatrixSet, tile: TileID, columns: Int = 1, rows: Int = 1, scale: Int = 1,
                principal: Principal, buffer: Double = 64) {
        self.style = style
        self.tms = tms
        self.tile = tile
        self.columns = columns
        self.rows = rows
        self.scale = scale
        self.principal = principal
        self.buffer = buffer
    }
}

/// A rendered block of tiles.
public final class RenderedMetatile {
    let canvas: CairoCanvas
    public let request: RenderRequest
    /// Tile edge in pixels (256 × scale).
    public let tileSize: Int
    /// The store layers that were drawn, with their versions (for cache keys).
    public let layerVersions: [String: Int]
    /// False when nothing was drawn at all (every tile is the shared empty tile).
    public let drewAnything: Bool

    init(canvas: CairoCanvas, request: RenderRequest, layerVersions: [String: Int], drewAnything: Bool) {
        self.canvas = canvas
        self.request = request
        tileSize = 256 * request.scale
        self.layerVersions = layerVersions
        self.drewAnything = drewAnything
    }
}

/// Renders styles into images.
///
/// Thread rule: not `Sendable`; it caches PROJ transforms and per-render state, so each worker
/// thread owns one renderer. The store and sprite sheet it reads are shared and thread-safe.
public final class TileRenderer {
    let store: Store
    let sprites: SpriteSheet
    private var transforms: [String: CoordinateTransform] = [:]
    /// Filters bound to a source layer's columns, per style load and source layer.
    var boundFilters: [String: BoundFilters] = [:]

    public init(store: Store, sprites: SpriteSheet) {
        self.store = store
        self.sprites = sprites
    }

    func transform(from: CRS, to: CRS) throws -> CoordinateTransform {
        let key = "\(from.identifier)>\(to.identifier)"
        if let t = transforms[key] { return t }
        let t = try CoordinateTransform(from: from, to: to)
        transforms[key] = t
        return t
    }

    /// Renders a block of tiles.
    /// - Throws: `RenderError.tileOutOfRange` for tiles outside the matrix set, store errors on I/O failure.
    public func render(_ request: RenderRequest) throws -> RenderedMetatile {
        let tms = request.tms
        let t = request.tile
        guard tms.contains(zoom: t.z) else {
            throw RenderError.tileOutOfRange("zoom \(t.z) is outside \(tms.id) (\(tms.minZoom)–\(tms.maxZoom))")
        }
        guard tms.contains(t), tms.contains(TileID(z: t.z, x: t.x + request.columns - 1, y: t.y + request.rows - 1)) else {
            throw RenderError.tileOutOfRange("tile \(t) is outside \(tms.id) level \(t.z) (columns 0–\(tms.matrixWidth(t.z) - 1), rows 0–\(tms.matrixHeight(t.z) - 1))")
        }
        let tilePixels = 256 * request.scale
        let view = RenderView(crs: tms.crs, bbox: tms.bounds(of: t, columns: request.columns, rows: request.rows),
                              width: request.columns * tilePixels, height: request.rows * tilePixels, zoom: RenderView.zoom(level: t.z, of: tms),
                              scale: Double(request.scale))
        let image = try render(view: view, style: request.style, principal: request.principal, buffer: request.buffer)
        return RenderedMetatile(canvas: image.canvas, request: request, layerVersions: image.layerVersions, drewAnything: image.drewAnything)
    }

    /// Renders any view: a box in any CRS at any pixel size (WMS GetMap; tiles go through `render(_:)`).
    public func render(view: RenderView, style: Style, principal: Principal, buffer: Double = 64) throws -> RenderedImage {
        try render(view: view, styles: [style], principal: principal, buffer: buffer)
    }

    /// Renders several maps over each other on one image (WMS `LAYERS=a,b`), each map's labels
    /// placed over its own drawing. `backgrounds` false leaves out background layers (transparent
    /// overlays); `fill` paints a colour first.
    public func render(view: RenderView, styles: [Style], principal: Principal, buffer: Double = 64, backgrounds: Bool = true,
                       fill: Color? = nil) throws -> RenderedImage {
        let canvas = CairoCanvas(width: view.width, height: view.height)
        if let fill { canvas.paint(color: fill, opacity: 1) }
        var versions: [String: Int] = [:]
        var drew = fill != nil
        for (n, style) in styles.enumerated() {
            var ctx = DrawContext(
                canvas: canvas, zoom: view.zoom, scale: view.scale, bbox: view.bbox, resolutionX: view.resolutionX, resolutionY: view.resolutionY,
                crs: view.crs, width: Double(view.width), height: Double(view.height),
                labels: LabelPlacer(width: Double(view.width), height: Double(view.height), scale: view.scale))
            // Only the first map may paint a background; later ones are overlays.
            if try draw(style, principal: principal, buffer: buffer, backgrounds: backgrounds && n == 0, ctx: &ctx, versions: &versions) { drew = true }
        }
        return RenderedImage(canvas: canvas, view: view, layerVersions: versions, drewAnything: drew)
    }

    func draw(_ style: Style, principal: Principal, buffer: Double, backgrounds: Bool, ctx: inout DrawContext, versions: inout [String: Int]) throws -> Bool {
        var drew = false
        // Read each vector source layer once for all the style layers that use it.
        let visible = style.layers.enumerated().filter { $0.element.isVisible(atZoom: ctx.zoom) }
        var prepared: [Int: [PreparedFeature]] = [:]
        let bySource = Dictionary(grouping: visible.filter { $0.element.sourceLayer != nil }, by: { $0.element.sourceLayer! })
        for (sourceLayer, styleLayers) in bySource.sorted(by: { $0.key < $1.key }) {
            guard let layer = try store.layerIfVisible(sourceLayer, for: principal) else { continue }  // not visible to this caller
            versions[layer.id] = layer.version
            let lists = try prepare(layer: layer, styleLayers: styleLayers, style: style, principal: principal, buffer: buffer, ctx: ctx)
            for (index, features) in lists where !features.isEmpty { prepared[index] = features }
        }
        for (index, layer) in visible {
            switch layer.type {
            case .background:
                guard backgrounds else { continue }
                drawBackground(layer, &ctx)
                drew = true
            case .fill:
                if let features = prepared[index] { drawFills(layer, features, &ctx); drew = true }
            case .line:
                if let features = prepared[index] { drawLines(layer, features, &ctx); drew = true }
            case .circle:
                if let features = prepared[index] { drawCircles(layer, features, &ctx); drew = true }
            case .symbol:
                if let features = prepared[index] { collectSymbols(layer, index: index, features, &ctx) }
            case .raster, .hillshade, .colorRelief:
                guard let source = layer.source.flatMap({ style.sources[$0] }), let id = source.layer,
                    let stored = try store.layerIfVisible(id, for: principal)
                else { continue }
                versions[stored.id] = stored.version
                if try drawRaster(layer, stored, &ctx) { drew = true }
            }
        }
        if ctx.labels.placeAndDraw(canvas: ctx.canvas, sprites: sprites) { drew = true }
        return drew
    }
}

/// An area to draw: a box in a CRS, the output size, and the zoom the style is evaluated at.
public struct RenderView: Sendable {
    public var crs: CRS
    public var bbox: BoundingBox
    public var width: Int
    public var height: Int
    /// Style zoom (Web Mercator-equivalent ground resolution).
    public var zoom: Double
    /// Pixel ratio: line widths and text sizes are multiplied by it.
    public var scale: Double

    public init(crs: CRS, bbox: BoundingBox, width: Int, height: Int, zoom: Double, scale: Double = 1) {
        self.crs = crs
        self.bbox = bbox
        self.width = width
        self.height = height
        self.zoom = zoom
        self.scale = scale
    }

    public var resolutionX: Double { bbox.width / Double(width) }
    public var resolutionY: Double { bbox.height / Double(height) }

    /// The style zoom of a tile level: its ground resolution at the set's centre, so a level of a
    /// Gauss-Krüger grid draws what a Web Mercator tile of the same metres per pixel draws (and
    /// the same for every tile of the level, whichever metatile it is rendered in). Levels of
    /// WebMercatorQuad and the TianDiTu-aligned CGCS2000Quad come out as their own numbers.
    public static func zoom(level z: Int, of tms: TileMatrixSet) -> Double {
        let span = tms.cellSize(z) * 256
        let c = tms.extent.center
        let zoom = Self.zoom(crs: tms.crs, bbox: BoundingBox(minX: c.x - span / 2, minY: c.y - span / 2, maxX: c.x + span / 2, maxY: c.y + span / 2), width: 256)
        // Whole levels stay whole despite rounding (a layer with minzoom 15 must show at level 15).
        return abs(zoom - zoom.rounded()) < 1e-6 ? zoom.rounded() : zoom
    }

    /// The style zoom whose ground resolution matches the view's at its centre (tile levels of
    /// WebMercatorQuad and of the TianDiTu-aligned CGCS2000Quad come out as their own numbers).
    public static func zoom(crs: CRS, bbox: BoundingBox, width: Int, scale: Double = 1) -> Double {
        let res = bbox.width / Double(width) * scale
        if crs == .webMercator { return log2(156_543.033_928_041 / res) }
        if crs.isGeographic { return log2(1.406_25 / res) }
        // Projected in metres: compare ground resolutions at the centre's latitude.
        let center = (try? CoordinateTransform(from: crs, to: .wgs84).apply(bbox.center))?.y ?? 0
        return log2(156_543.033_928_041 * cos(center * .pi / 180) / res)
    }
}

/// A rendered view.
public final class RenderedImage {
    let canvas: CairoCanvas
    public let view: RenderView
    public let layerVersions: [String: Int]
    public let drewAnything: Bool

    init(canvas: CairoCanvas, view: RenderView, layerVersions: [String: Int], drewAnything: Bool) {
        self.canvas = canvas
        self.view = view
        self.layerVersions = layerVersions
        self.drewAnything = drewAnything
    }
}

/// Everything a draw function needs about the current render.
struct DrawContext {
    let canvas: CairoCanvas
    let zoom: Double
    let scale: Double
    /// The view's extent in its CRS.
    let bbox: BoundingBox
    /// CRS units per output pixel.
    let resolutionX: Double
    let resolutionY: Double
    let crs: CRS
    let width: Double
    let height: Double
    var labels: LabelPlacer

    var evaluation: EvaluationContext { EvaluationContext(zoom: zoom) }
}
