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
        let width = request.columns * tilePixels, height = request.rows * tilePixels
        let canvas = CairoCanvas(width: width, height: height)
        let bbox = tms.bounds(of: t, columns: request.columns, rows: request.rows)
        var ctx = DrawContext(
            canvas: canvas, zoom: Double(t.z), scale: Double(request.scale), bbox: bbox,
            resolution: tms.cellSize(t.z) / Double(request.scale), tms: tms, width: Double(width), height: Double(height),
            labels: LabelPlacer(width: Double(width), height: Double(height), scale: Double(request.scale)))
        let style = request.style
        var versions: [String: Int] = [:]
        var drew = false

        // Read each vector source layer once for all the style layers that use it.
        let visible = style.layers.enumerated().filter { $0.element.isVisible(atZoom: ctx.zoom) }
        var prepared: [Int: [PreparedFeature]] = [:]
        let bySource = Dictionary(grouping: visible.filter { $0.element.sourceLayer != nil }, by: { $0.element.sourceLayer! })
        for (sourceLayer, styleLayers) in bySource.sorted(by: { $0.key < $1.key }) {
            guard let layer = try? store.layer(sourceLayer, for: request.principal) else { continue }  // not visible to this caller
            versions[layer.id] = layer.version
            let lists = try prepare(layer: layer, styleLayers: styleLayers, request: request, ctx: ctx)
            for (index, features) in lists where !features.isEmpty { prepared[index] = features }
        }

        for (index, layer) in visible {
            switch layer.type {
            case .background:
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
                    let stored = try? store.layer(id, for: request.principal)
                else { continue }
                versions[stored.id] = stored.version
                if try drawRaster(layer, stored, &ctx) { drew = true }
            }
        }
        if ctx.labels.placeAndDraw(canvas: canvas, sprites: sprites) { drew = true }
        return RenderedMetatile(canvas: canvas, request: request, layerVersions: versions, drewAnything: drew)
    }
}

/// Everything a draw function needs about the current render.
struct DrawContext {
    let canvas: CairoCanvas
    let zoom: Double
    let scale: Double
    /// The block's extent in the matrix set's CRS.
    let bbox: BoundingBox
    /// Matrix-set CRS units per output pixel.
    let resolution: Double
    let tms: TileMatrixSet
    let width: Double
    let height: Double
    var labels: LabelPlacer

    var evaluation: EvaluationContext { EvaluationContext(zoom: zoom) }
}
