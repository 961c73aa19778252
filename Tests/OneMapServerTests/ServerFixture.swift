import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OneMapGeometry
import Testing

@testable import OneMapServer
@testable import OneMapStore

enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}

/// A store with the Helsinki OSM layers (the `helsinki` map draws them; the demo maps are
/// reported broken here, which the tests use too), served from a temporary directory.
final class ServerFixture: RouterFixture, @unchecked Sendable {
    let directory = NSTemporaryDirectory() + "onemap-server-" + UUID().uuidString
    let services: AppServices

    /// - Parameter offeredCRS: a city's configured output CRSs (`Layers/crs/offered.json`); nil
    ///   leaves the list derived from where Helsinki is.
    /// - Parameter crsFiles: named CRS files for `Layers/crs` (file name → JSON).
    init(cache: Bool = true, workers: Int = 2, queueLimit: Int = 64, offeredCRS: [String]? = nil, crsFiles: [String: String] = [:]) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: try Self.template.get(), toPath: directory + "/s.sqlite")
        var configuration = ServerConfiguration(storePath: directory + "/s.sqlite", stylesDirectory: Repo.path("Styles"), webDirectory: Repo.path("Web"))
        configuration.cacheDirectory = cache ? directory + "/cache" : nil
        configuration.workers = workers
        configuration.queueLimit = queueLimit
        if offeredCRS != nil || !crsFiles.isEmpty {
            try FileManager.default.createDirectory(atPath: directory + "/Layers/crs", withIntermediateDirectories: true)
            for (name, text) in crsFiles { try text.write(toFile: directory + "/Layers/crs/" + name, atomically: true, encoding: .utf8) }
            if let offeredCRS {
                let list = offeredCRS.map { "\"\($0)\"" }.joined(separator: ", ")
                try #"{"crs": [\#(list)]}"#.write(toFile: directory + "/Layers/crs/offered.json", atomically: true, encoding: .utf8)
            }
            configuration.layersDirectory = directory + "/Layers"
        }
        services = try AppServices(configuration: configuration)
    }

    /// The Helsinki store, imported once per test process and copied for each fixture: three dozen
    /// imports at once kept the two cooperative threads busy long enough for live clients to time out.
    static let template: Result<String, any Error> = Result {
        let directory = NSTemporaryDirectory() + "onemap-server-template-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: ServerFixture.templateDirectory) }
        try {
            let store = try Store(path: directory + "/s.sqlite")
            for (id, layer) in [("helsinki_points", "points"), ("helsinki_lines", "lines"), ("helsinki_polygons", "multipolygons")] {
                _ = try store.importLayer(ImportRequest(source: Repo.path("Layers/data/Helsinki.osm.pbf"), layerID: id, sourceLayer: layer,
                                                        layersDirectory: Repo.path("Layers")))
            }
        }()
        return directory + "/s.sqlite"
    }

    static var templateDirectory: String {
        (try? template.get()).map { ($0 as NSString).deletingLastPathComponent } ?? ""
    }

    deinit {
        services.pool.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A fixture holding the services of one server, tested in process through the router.
protocol RouterFixture {
    var services: AppServices { get }
}

extension RouterFixture {
    /// Runs `body` against the router in process.
    func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: buildRouter(services))
        try await app.test(.router, body)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var bytes: [UInt8] { Array(body.readableBytesView) }
}

/// Helsinki centre tiles.
enum Tiles {
    static let z15 = "15/18654/9484"
    static let far = "15/18000/9000"
}
