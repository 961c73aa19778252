import OneMapGeometry

/// What to import and how; built by the CLI (or tests) and handed to `Store.importLayer`.
public struct ImportRequest: Sendable {
    public var source: String
    public var layerID: String
    public var kind: LayerKind
    /// Overrides the CRS the source declares (or supplies a missing one); `GCJ02` is converted.
    public var srs: CRS?
    /// Bursa-Wolf parameters (3 or 7, PROJ's `+towgs84`) for a source datum PROJ has no shift for.
    public var towgs84: [Double]?
    /// Whether a ballpark-only transformation is refused (the default) or accepted on purpose.
    public var ballpark: BallparkPolicy
    /// The text encoding of a source without a declared one (`GBK`, `GB18030`).
    public var encoding: String?
    /// Which layer of a multi-layer source (GeoPackage, OSM PBF).
    public var sourceLayer: String?
    public var replace: Bool
    /// Where layer files live; when set and present, `<id>.json` there supplies metadata.
    public var layersDirectory: String?
    /// Whether a new layer without a file gets one written into `layersDirectory` (only when the
    /// directory is the store's own: see the README on how the catalog flows).
    public var writesLayerFile: Bool
    public var title: String?
    public var group: String?
    public var access: AccessLevel?
    /// DOM tiles: PNG (keeps transparency) or JPEG.
    public var imageEncoding: RasterEncoding
    public var synthetic: Bool?
    /// Free text recorded as the layer's source (defaults to the file name).
    public var sourceDescription: String?

    public init(source: String, layerID: String, kind: LayerKind = .vector, srs: CRS? = nil, towgs84: [Double]? = nil, ballpark: BallparkPolicy = .refuse, encoding: String? = nil,
                sourceLayer: String? = nil, replace: Bool = false, layersDirectory: String? = nil, writesLayerFile: Bool = true, title: String? = nil,
                group: String? = nil, access: AccessLevel? = nil, imageEncoding: RasterEncoding = .png,
                synthetic: Bool? = nil, sourceDescription: String? = nil) {
        self.source = source
        self.layerID = layerID
        self.kind = kind
        self.srs = srs
        self.towgs84 = towgs84
        self.ballpark = ballpark
        self.encoding = encoding
        self.sourceLayer = sourceLayer
        self.replace = replace
        self.layersDirectory = layersDirectory
        self.writesLayerFile = writesLayerFile
        self.title = title
        self.group = group
        self.access = access
        self.imageEncoding = imageEncoding
        self.synthetic = synthetic
        self.sourceDescription = sourceDescription
    }
}

extension ImportRequest {
    /// The source's datum with the request's `--towgs84`, when given.
    func shifted(_ base: String) -> NamedCRS? { towgs84.map { NamedCRS(name: "source", base: base, towgs84: $0) } }

    /// The way from the source's CRS into `target`, checked for ballpark guesses over `area`, with
    /// the request's datum shift and ballpark policy (vector and raster imports alike).
    func transform(from source: CRS, to target: CRS, area: BoundingBox?) throws -> CoordinateTransform {
        if let shifted = shifted(source.identifier) {
            return try CoordinateTransform.checked(from: shifted, to: target, area: area, ballpark: ballpark)
        }
        return try CoordinateTransform.checked(from: source, to: target, area: area, ballpark: ballpark)
    }
}

/// The outcome of an import, printed at the end.
public struct ImportSummary: Sendable {
    public var layer: Layer
    /// Features (or raster cells) read from the source.
    public var read: Int
    public var written: Int
    /// Invalid geometries repaired with GEOS MakeValid.
    public var repaired: Int
    /// Features skipped for an empty or missing geometry.
    public var skipped: Int
    public var seconds: Double
    /// GDAL warnings, with how often each came.
    public var warnings: [String: Int]
    /// Raster imports: tiles written over all levels.
    public var tiles: Int
    /// How the source's coordinates were brought into the storage CRS, and how exactly.
    public var transformation: TransformationReport? { layer.transformation }
}

/// Progress reports: (done, total if known).
public typealias ImportProgress = @Sendable (Int, Int?) -> Void
