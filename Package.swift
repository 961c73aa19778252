// swift-tools-version:6.2
import PackageDescription

/// One set of settings for every Swift target: Swift 6 language mode, warnings are errors.
let swiftSettings: [SwiftSetting] = [
    .treatAllWarnings(as: .error)
]

let package = Package(
    name: "OneMap",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "onemap", targets: ["onemap"])
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // C shims: headers and link lines only (PNGShim adds the setjmp frame libpng needs).
        .systemLibrary(name: "CGEOS", pkgConfig: "geos", providers: [.apt(["libgeos-dev"])]),
        .systemLibrary(name: "CPROJ", pkgConfig: "proj", providers: [.apt(["libproj-dev"])]),
        .systemLibrary(name: "CSpatiaLite", pkgConfig: "spatialite", providers: [.apt(["libspatialite-dev"])]),
        .systemLibrary(name: "CGDAL", pkgConfig: "gdal", providers: [.apt(["libgdal-dev"])]),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo-ft", providers: [.apt(["libcairo2-dev", "libfontconfig-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CBrotli", pkgConfig: "libbrotlienc", providers: [.apt(["libbrotli-dev"])]),
        .target(name: "CMallocTuning"),
        .target(
            name: "PNGShim",
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("z")]
        ),

        .target(
            name: "OneMapGeometry",
            dependencies: ["CGEOS", "CPROJ"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OneMapImage",
            dependencies: ["PNGShim", "CBrotli"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OneMapStore",
            dependencies: [
                "OneMapGeometry", "OneMapImage", "CSpatiaLite", "CGDAL", "CLibPQ",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OneMapRender",
            dependencies: ["OneMapGeometry", "OneMapImage", "OneMapStore", "CCairo"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OneMapTiles",
            dependencies: [
                "OneMapGeometry", "OneMapStore", "OneMapRender", "CMallocTuning",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OneMapAnalysis",
            dependencies: ["OneMapGeometry", "OneMapStore"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OneMapPrint",
            dependencies: ["OneMapGeometry", "OneMapImage", "OneMapStore", "OneMapRender", "OneMapAnalysis"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OneMapServer",
            dependencies: [
                "OneMapGeometry", "OneMapImage", "OneMapStore", "OneMapRender", "OneMapTiles", "OneMapAnalysis", "OneMapPrint",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OneMapDemo",
            dependencies: ["OneMapGeometry", "OneMapStore", "OneMapAnalysis", "CCairo"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "onemap",
            dependencies: [
                "OneMapGeometry", "OneMapStore", "OneMapDemo", "OneMapRender", "OneMapTiles", "OneMapServer", "OneMapAnalysis", "OneMapPrint",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // Fuzz targets over the parsers of outside input, and their libFuzzer driver (Tools/fuzz/run).
        .target(
            name: "OneMapFuzz",
            dependencies: [
                "OneMapGeometry", "OneMapStore", "OneMapRender", "OneMapServer", "OneMapAnalysis", "OneMapTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "onemap-fuzz",
            dependencies: ["OneMapFuzz"],
            swiftSettings: swiftSettings
        ),

        .target(
            name: "OneMapTestSupport",
            dependencies: ["OneMapStore", "OneMapGeometry"],
            path: "Tests/OneMapTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OneMapAnalysisTests",
            dependencies: ["OneMapAnalysis", "OneMapStore", "OneMapGeometry", "OneMapTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OneMapGeometryTests",
            dependencies: ["OneMapGeometry"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OneMapStoreTests",
            dependencies: ["OneMapStore", "OneMapImage", "OneMapGeometry", "OneMapTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OneMapRenderTests",
            dependencies: ["OneMapRender", "OneMapImage", "OneMapStore", "OneMapGeometry"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OneMapServerTests",
            dependencies: [
                "OneMapServer", "OneMapTiles", "OneMapStore", "OneMapRender", "OneMapImage", "OneMapGeometry", "OneMapAnalysis", "OneMapTestSupport", "CMallocTuning",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OneMapDemoTests",
            dependencies: ["OneMapDemo", "OneMapServer", "OneMapTestSupport", "OneMapAnalysis", "OneMapStore", "OneMapGeometry", "OneMapRender", "OneMapImage", "OneMapTiles"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OneMapFuzzTests",
            dependencies: ["OneMapFuzz"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OneMapE2ETests",
            dependencies: ["onemap", "OneMapStore", "OneMapTestSupport"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
