import Foundation
import GRDB
import Testing

/// `onemap serve` as a separate process, read by the clients GIS analysts use: OWSLib (Python)
/// and GDAL's WMTS and WMS drivers. Also `seed` and `export`, which share the tile service.
@Suite(.serialized) struct ServeCommandTests {
    /// A store with the Helsinki OSM layers, imported through the CLI.
    static func helsinki() throws -> WorkDirectory {
        let dir = WorkDirectory()
        for (id, source) in [("helsinki_points", "points"), ("helsinki_lines", "lines"), ("helsinki_polygons", "multipolygons")] {
            let r = try CLI.run(["import", "Layers/data/Helsinki.osm.pbf", "--layer", id, "--source-layer", source, "--store", dir.path + "/onemap.sqlite"],
                                in: CLI.repository.path)
            guard r.status == 0 else { throw CLIFailure(text: r.stderr) }
        }
        return dir
    }

    struct CLIFailure: Error, CustomStringConvertible { let text: String; var description: String { text } }

    /// A running `onemap serve --port 0`, stopped (SIGTERM) when released.
    final class Server {
        let process = Process()
        let url: String
        private let output = Pipe()

        /// - Parameter log: a file for the server's log (debug level), else the log is dropped.
        init(store: String, cache: String, log: String? = nil, layers: String? = nil, options: [String] = []) throws {
            process.executableURL = URL(fileURLWithPath: CLI.binary)
            process.arguments = ["serve", "--port", "0", "--store", store, "--cache", cache, "--workers", "2"] + (layers.map { ["--layers", $0] } ?? []) + options
            process.currentDirectoryURL = CLI.repository
            process.standardOutput = output
            if let log {
                _ = FileManager.default.createFile(atPath: log, contents: nil)
                process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
                process.environment = ProcessInfo.processInfo.environment.merging(["ONEMAP_LOG": "debug"]) { _, new in new }
            } else {
                process.standardError = FileHandle.nullDevice
            }
            try process.run()
            // The server prints its address on stdout once it is bound.
            var text = ""
            let deadline = Date().addingTimeInterval(60)
            while !text.contains("\n"), Date() < deadline, process.isRunning {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { usleep(20_000) } else { text += String(decoding: chunk, as: UTF8.self) }
            }
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) else {
                process.terminate()
                throw CLIFailure(text: "the server did not start: \(text)")
            }
            url = String(line.dropFirst("listening on ".count))
        }

        /// Stops the server the way a service manager does and returns its exit status.
        func stop() -> Int32 {
            process.terminate()
            process.waitUntilExit()
            return process.terminationStatus
        }

        deinit { if process.isRunning { process.terminate() } }
    }

    /// OWSLib reads both capabilities documents, fetches a WMTS tile in each tile matrix set and
    /// a WMS map in two CRSs (it swaps the bbox for EPSG:4326 itself, as 1.3.0 requires).
    static let owslibScript = #"""
        import json, sys, urllib.request
        from owslib.wmts import WebMapTileService
        from owslib.wms import WebMapService
        base = sys.argv[1]
        out = {}
        wmts = WebMapTileService(base + "wmts?SERVICE=WMTS&REQUEST=GetCapabilities")
        out["wmts_layers"] = sorted(wmts.contents)
        out["wmts_sets"] = sorted(wmts.tilematrixsets)
        c1 = wmts.tilematrixsets["CGCS2000Quad"].tilematrix["1"]
        out["cgcs_level1"] = [c1.matrixwidth, c1.matrixheight, list(c1.topleftcorner), c1.scaledenominator]
        t = wmts.gettile(layer="helsinki", tilematrixset="WebMercatorQuad", tilematrix="15", row=9484, column=18654, format="image/png")
        xyz = urllib.request.urlopen(base + "tiles/helsinki/WebMercatorQuad/15/18654/9484.png").read()
        out["wmts_is_xyz"] = t.read() == xyz and len(xyz) > 1000
        t = wmts.gettile(layer="helsinki", tilematrixset="CGCS2000Quad", tilematrix="16", row=5430, column=37308, format="image/png")
        out["cgcs_tile_len"] = len(t.read())
        wms = WebMapService(base + "wms", version="1.3.0")
        out["wms_layers"] = sorted(wms.contents)
        out["wms_crs"] = sorted(wms.contents["helsinki"].crsOptions)
        box = (24.935, 60.165, 24.955, 60.175)
        a = wms.getmap(layers=["helsinki"], styles=[""], srs="CRS:84", bbox=box, size=(300, 256), format="image/png").read()
        b = wms.getmap(layers=["helsinki"], styles=[""], srs="EPSG:4326", bbox=box, size=(300, 256), format="image/png").read()
        out["wms_same"] = a == b
        out["wms_png"] = a[:8] == b"\x89PNG\r\n\x1a\n"
        # One layer alone, as QGIS adds it, with its legend from the capabilities' LegendURL.
        lines = wms.getmap(layers=["helsinki_lines"], styles=[""], srs="CRS:84", bbox=box, size=(300, 256), format="image/png", transparent=True).read()
        out["wms_single"] = lines[:8] == b"\x89PNG\r\n\x1a\n" and lines != a
        legend_url = wms.contents["helsinki_lines"].styles["default"]["legend"]
        legend = urllib.request.urlopen(legend_url).read()
        out["wms_legend"] = [legend[:8] == b"\x89PNG\r\n\x1a\n", len(legend)]
        out["wmts_single"] = len(wmts.gettile(layer="helsinki_points", tilematrixset="WebMercatorQuad", tilematrix="15", row=9484, column=18654, format="image/png").read())
        from owslib.ogcapi.features import Features
        api = Features(base + "ogc")
        out["ogc_collections"] = sorted(api.feature_collections())
        items = api.collection_items("helsinki_points", limit=5, bbox=[24.93, 60.16, 24.96, 60.18])
        out["ogc_items"] = [items["numberReturned"], len(items["features"]), items["numberMatched"]]
        named = api.collection_items("helsinki_points", limit=1000, bbox=[24.93, 60.16, 24.96, 60.18], filter="name IS NOT NULL AND name LIKE 'A%'")
        out["ogc_filtered"] = sorted({f["properties"]["name"][0] for f in named["features"]})
        out["ogc_queryables"] = "name" in api.collection_queryables("helsinki_points")["properties"]
        print(json.dumps(out))
        """#

    @Test func owslibAndGDALReadTheServices() throws {
        let dir = try Self.helsinki()
        let server = try Server(store: dir.path + "/onemap.sqlite", cache: dir.path + "/cache-owslib")
        let work = WorkDirectory()
        try Self.owslibScript.write(toFile: work.path + "/client.py", atomically: true, encoding: .utf8)
        let py = try CLI.run(executable: "/usr/bin/python3", [work.path + "/client.py", server.url], in: work.path)
        #expect(py.status == 0, "\(py.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(py.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(json["wmts_layers"] as? [String] == ["helsinki", "helsinki_lines", "helsinki_points", "helsinki_polygons"], "each layer alone too")
        #expect(json["wmts_sets"] as? [String] == ["CGCS2000GK39", "CGCS2000Quad", "WebMercatorQuad"], "the Tiles folder's sets")
        let level1 = json["cgcs_level1"] as? [Any] ?? []
        #expect(level1.count == 4 && level1[0] as? Int == 2 && level1[1] as? Int == 1)
        // OWSLib keeps TopLeftCorner as written: latitude first for EPSG:4490.
        #expect((level1.count == 4 ? level1[2] as? [Double] : nil) == [90, -180])
        // The WMTS tile is the XYZ tile, byte for byte.
        #expect(json["wmts_is_xyz"] as? Bool == true)
        #expect((json["cgcs_tile_len"] as? Int ?? 0) > 1000)
        #expect(Set(json["wms_layers"] as? [String] ?? []).isSuperset(of: ["helsinki", "helsinki_lines", "helsinki_points", "helsinki_polygons"]),
                "\(json["wms_layers"] ?? "")")
        #expect(json["wms_single"] as? Bool == true, "a layer alone draws on its own")
        let legend = json["wms_legend"] as? [Any] ?? []
        #expect(legend.first as? Bool == true && (legend.last as? Int ?? 0) > 500, "the LegendURL answers a PNG: \(legend)")
        #expect((json["wmts_single"] as? Int ?? 0) > 100)
        #expect(Set(json["wms_crs"] as? [String] ?? []).isSuperset(of: ["EPSG:4490", "EPSG:4326", "EPSG:3857", "EPSG:4527", "EPSG:4548"]))
        #expect(json["wms_same"] as? Bool == true && json["wms_png"] as? Bool == true)
        // OWSLib's OGC API – Features client: collections, a bbox page, a CQL2 filter, queryables.
        #expect(json["ogc_collections"] as? [String] == ["helsinki_lines", "helsinki_points", "helsinki_polygons"])
        let items = json["ogc_items"] as? [Int] ?? []
        #expect(items.count == 3 && items[0] == 5 && items[1] == 5 && items[2] > 5, "\(items)")
        #expect(json["ogc_filtered"] as? [String] == ["A"])
        #expect(json["ogc_queryables"] as? Bool == true)

        // GDAL's WMTS driver: the CGCS2000 set opens as a geographic raster whose finest cell is
        // 0.703125° / 2^19 (level 20), with the world's top-left corner at 180°W 90°N.
        let gdal = try CLI.run(executable: "/usr/bin/gdalinfo", ["-json", "WMTS:\(server.url)wmts?SERVICE=WMTS&REQUEST=GetCapabilities,layer=helsinki,tilematrixset=CGCS2000Quad"],
                                in: work.path)
        #expect(gdal.status == 0, "\(gdal.stderr)")
        let info = try JSONSerialization.jsonObject(with: Data(gdal.stdout.utf8)) as? [String: Any] ?? [:]
        let transform = info["geoTransform"] as? [Double] ?? []
        #expect(transform.count == 6)
        if transform.count == 6 {
            #expect(abs(transform[1] - 0.703125 / Double(1 << 19)) < 1e-12 && abs(transform[5] + 0.703125 / Double(1 << 19)) < 1e-12, "\(transform)")
            // The layer's extent, not the world: the origin lies just west and north of Helsinki.
            #expect(abs(transform[0] - 24.9) < 0.2 && abs(transform[3] - 60.2) < 0.2, "\(transform)")
        }
        #expect((info["coordinateSystem"] as? [String: Any])?["wkt"].map { "\($0)".contains("4490") } == true)
        // GDAL reads a window of the mercator layer through the tiles (fetching them over HTTP).
        let window = try CLI.run(executable: "/usr/bin/gdal_translate", ["-q", "-of", "PNG", "-outsize", "256", "256", "-projwin", "2776000", "8438000", "2777000", "8437000",
                                   "WMTS:\(server.url)wmts?SERVICE=WMTS&REQUEST=GetCapabilities,layer=helsinki,tilematrixset=WebMercatorQuad", work.path + "/window.png"],
                                  in: work.path)
        #expect(window.status == 0, "\(window.stderr)")
        let png = (try? Data(contentsOf: URL(fileURLWithPath: work.path + "/window.png"))) ?? Data()
        #expect(png.count > 5000, "a drawn window, not an empty one: \(png.count) bytes")
        // And GDAL's WMS driver lists the map from the WMS capabilities.
        let wms = try CLI.run(executable: "/usr/bin/gdalinfo", ["WMS:\(server.url)wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities"], in: work.path)
        #expect(wms.status == 0 && wms.stdout.contains("LAYERS=helsinki"), "\(wms.stdout) \(wms.stderr)")
        // GDAL's OGC API – Features driver counts a collection and reads features with a spatial filter.
        let oapif = try CLI.run(executable: "/usr/bin/ogrinfo", ["-ro", "-so", "OAPIF:\(server.url)ogc", "helsinki_polygons"], in: work.path)
        #expect(oapif.status == 0 && oapif.stdout.contains("Geometry: Multi Polygon"), "\(oapif.stdout) \(oapif.stderr)")
        let spat = try CLI.run(executable: "/usr/bin/ogr2ogr", ["-f", "GeoJSON", work.path + "/oapif.geojson", "OAPIF:\(server.url)ogc", "helsinki_points",
                                                                "-spat", "24.94", "60.165", "24.95", "60.17"], in: work.path)
        #expect(spat.status == 0, "\(spat.stderr)")
        let fetched = (try? JSONValueLite.features(atPath: work.path + "/oapif.geojson")) ?? -1
        #expect(fetched > 0, "\(fetched) features")
        #expect(server.stop() == 0)
    }

    /// Counts the features of a GeoJSON file.
    enum JSONValueLite {
        static func features(atPath path: String) throws -> Int {
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
            return (object?["features"] as? [Any])?.count ?? 0
        }
    }

    @Test func seedIsResumableAndExportWritesMBTiles() throws {
        let dir = try Self.helsinki()
        let store = dir.path + "/onemap.sqlite", cache = dir.path + "/cache-seed"
        let area = "24.935,60.163,24.96,60.175"
        let first = try CLI.run(["seed", "helsinki", "--zoom", "13-15", "--bbox", area, "--store", store, "--cache", cache], in: CLI.repository.path)
        #expect(first.status == 0, "\(first.stderr)")
        let counts = first.stdout.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: CharacterSet(charactersIn: "(,"))) }
        #expect(first.stdout.hasPrefix("seeded ") && (counts.first ?? 0) > 0, "\(first.stdout)")
        #expect(first.stdout.contains("(\(counts.first ?? -1) rendered, 0 already cached)"), "\(first.stdout)")
        // A second run (or one resumed after an interruption) renders only what is missing: here nothing.
        let second = try CLI.run(["seed", "helsinki", "--zoom", "13-15", "--bbox", area, "--store", store, "--cache", cache], in: CLI.repository.path)
        #expect(second.stdout.contains("(0 rendered, \(counts.first ?? -1) already cached)"), "\(second.stdout)")
        // Widening the range renders only the new level.
        let wider = try CLI.run(["seed", "helsinki", "--zoom", "13-16", "--bbox", area, "--store", store, "--cache", cache], in: CLI.repository.path)
        let widerCounts = wider.stdout.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: CharacterSet(charactersIn: "(,"))) }
        #expect(widerCounts.count >= 3 && widerCounts[2] == counts.first, "\(wider.stdout)")

        for (arguments, message) in [(["--zoom", "15-13"], "--zoom"), (["--zoom", "13", "--bbox", "1,2,3"], "--bbox"), (["--zoom", "30"], "0–22"),
                                     (["--zoom", "13", "--tms", "Mars"], "tile matrix set")] {
            let bad = try CLI.run(["seed", "helsinki", "--store", store, "--cache", cache] + arguments, in: CLI.repository.path)
            #expect(bad.status != 0 && bad.stderr.contains(message), "\(arguments): \(bad.stderr)")
        }
        let unknown = try CLI.run(["seed", "nosuchmap", "--zoom", "13", "--store", store, "--cache", cache], in: CLI.repository.path)
        #expect(unknown.status != 0 && unknown.stderr.contains("nosuchmap"), "\(unknown.stderr)")
        // A cache that cannot be written (here a file where the directory should be; a full disk
        // in Tools/drills/diskfull.py) stops the seed with the reason instead of reporting success.
        let blocked = dir.path + "/not-a-directory"
        try "x".write(toFile: blocked, atomically: true, encoding: .utf8)
        let unwritable = try CLI.run(["seed", "helsinki", "--zoom", "13", "--bbox", area, "--store", store, "--cache", blocked], in: CLI.repository.path)
        #expect(unwritable.status != 0 && unwritable.stderr.contains("could not be written to the cache"), "\(unwritable.stderr)")

        let output = dir.path + "/helsinki.mbtiles"
        let export = try CLI.run(["export", "helsinki", "--zoom", "14-15", "--bbox", area, "-o", output, "--store", store, "--cache", "none"], in: CLI.repository.path)
        #expect(export.status == 0, "\(export.stderr)")
        let db = try DatabaseQueue(path: output)
        try db.read { db in
            let metadata = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT name, value FROM metadata").map { ($0[0] as String, $0[1] as String) })
            #expect(metadata["format"] == "png" && metadata["minzoom"] == "14" && metadata["maxzoom"] == "15")
            #expect(metadata["attribution"]?.contains("OpenStreetMap") == true)
            #expect(metadata["bounds"] == area.split(separator: ",").map { String(Double($0)!) }.joined(separator: ","))
            // z15 over the area: columns 18653–18655 and XYZ rows 9484–9485, stored TMS-style (from the bottom).
            let rows = try Row.fetchAll(db, sql: "SELECT zoom_level, tile_column, tile_row FROM tiles WHERE zoom_level = 15 ORDER BY tile_column, tile_row")
            #expect(!rows.isEmpty)
            for row in rows {
                let y = (1 << 15) - 1 - (row[2] as Int)
                #expect((18653...18655).contains(row[1] as Int) && (9483...9486).contains(y), "\(row)")
            }
            let data = try Data.fetchOne(db, sql: "SELECT tile_data FROM tiles WHERE zoom_level = 15 AND tile_column = 18654 AND tile_row = ?", arguments: [(1 << 15) - 1 - 9484])
            #expect(data?.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
        }
        #expect(!FileManager.default.fileExists(atPath: output + ".partial"))
        // A failed export leaves no file behind.
        let failed = try CLI.run(["export", "helsinki", "--zoom", "25", "-o", dir.path + "/bad.mbtiles", "--store", store], in: CLI.repository.path)
        #expect(failed.status != 0 && !FileManager.default.fileExists(atPath: dir.path + "/bad.mbtiles"))
    }
}
