import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OneMapImage
import OneMapTestSupport
import Testing

@testable import OneMapServer

/// `/maps/{map}/print`: a page with the map, as PDF (read back with pdftotext) or PNG of the
/// asked size; every bad parameter a JSON 400.
@Suite struct PrintRoutesTests {
    static let box = "24.93,60.16,24.96,60.175"

    @Test func aPrintedMapHasItsTitleLegendScaleAndSize() async throws {
        let fixture = try await OwnThread.build { try ServerFixture() }
        try await fixture.test { client in
            let title = "赫尔辛基中心区".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let pdf = try await client.execute(uri: "/maps/helsinki/print?bbox=\(Self.box)&title=\(title)&layers=helsinki_lines", method: .get)
            #expect(pdf.status == .ok && pdf.headers[.contentType] == "application/pdf" && pdf.bytes.starts(with: Array("%PDF".utf8)))
            let path = NSTemporaryDirectory() + "onemap-print-\(UUID().uuidString).pdf"
            try Data(pdf.bytes).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/pdftotext")
            process.arguments = [path, "-"]
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            for word in ["赫尔辛基中心区", "图例", "比例尺 1:", "坐标系", "OpenStreetMap"] { #expect(text.contains(word), "\(word) in \(text.prefix(300))") }
            // A PNG page of 150 × 100 mm at 96 dpi is 567 × 378 pixels.
            let png = try await client.execute(uri: "/maps/helsinki/print?bbox=\(Self.box)&format=png&width=150&height=100&dpi=96", method: .get)
            #expect(png.status == .ok && png.headers[.contentType] == "image/png")
            let image = try ImageCodec.decodePNG(png.bytes)
            #expect(image.width == 567 && image.height == 378, "\(image.width) × \(image.height)")
        }
    }

    @Test func badPrintRequestsAreJSON400s() async throws {
        let fixture = try await OwnThread.build { try ServerFixture() }
        let base = "/maps/helsinki/print?bbox=\(Self.box)"
        let cases: [(String, HTTPResponse.Status, String)] = [
            ("/maps/helsinki/print", .badRequest, "bbox"),
            ("/maps/helsinki/print?bbox=24.96,60.16,24.93,60.175", .badRequest, "bbox"),
            ("/maps/helsinki/print?bbox=1,2,3", .badRequest, "bbox"),
            ("\(base)&crs=EPSG:99999", .badRequest, "crs"),
            ("\(base)&width=50", .badRequest, "width"),
            ("\(base)&dpi=1000", .badRequest, "dpi"),
            ("\(base)&format=gif", .badRequest, "format"),
            ("\(base)&layers=nowhere", .badRequest, "nowhere"),
            ("\(base)&title=\(String(repeating: "x", count: 101))", .badRequest, "title"),
            ("\(base)&format=png&width=1189&height=841&dpi=300", .badRequest, "pixels"),
            ("/maps/nowhere/print?bbox=\(Self.box)", .notFound, "nowhere"),
        ]
        try await fixture.test { client in
            for (uri, status, word) in cases {
                let r = try await client.execute(uri: uri, method: .get)
                #expect(r.status == status, "\(uri): \(r.status)")
                #expect(r.headers[.contentType]?.contains("json") == true && r.text.contains(word), "\(uri): \(r.text)")
            }
        }
    }
}
