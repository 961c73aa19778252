import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OneMapTestSupport
import Testing

@testable import OneMapServer

/// Text answers are compressed for clients that ask, with the same content; images and clients
/// that do not ask get exactly what they got before.
@Suite struct CompressionTests {
    static let items = "/ogc/collections/parcels/items?limit=200"

    /// gunzip by the system's gzip, an implementation independent of ours.
    static func gunzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-dc"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let writer = Thread { input.fileHandleForWriting.write(Data(bytes)); try? input.fileHandleForWriting.close() }
        writer.start()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "gzip -d failed: the stream is not valid gzip")
        return Array(out)
    }

    /// The page without its time stamp (the one thing that differs between two reads).
    static func stamped(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: #""timeStamp":"[^"]*""#, with: "", options: .regularExpression)
    }

    @Test func jsonIsGzippedOrBrotliCompressedWhenAskedAndIdenticalUnpacked() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture() }
        try await fixture.test { client in
            let plain = try await client.execute(uri: Self.items, method: .get)
            #expect(plain.status == .ok && plain.headers[.contentEncoding] == nil)
            #expect(plain.bytes.first == UInt8(ascii: "{"), "clients that do not ask get the body as before")
            #expect(plain.headers[.vary]?.contains("Accept-Encoding") == true, "caches keep the encodings apart")

            let gzipped = try await client.execute(uri: Self.items, method: .get, headers: [.acceptEncoding: "gzip, deflate"])
            #expect(gzipped.headers[.contentEncoding] == "gzip" && gzipped.headers[.vary]?.contains("Accept-Encoding") == true)
            #expect(gzipped.bytes.count * 4 < plain.bytes.count, "\(plain.bytes.count) bytes → \(gzipped.bytes.count)")
            #expect(Self.stamped(try Self.gunzip(gzipped.bytes)) == Self.stamped(plain.bytes), "unpacked, the same GeoJSON")

            let brotli = try await client.execute(uri: Self.items, method: .get, headers: [.acceptEncoding: "gzip, deflate, br"])
            #expect(brotli.headers[.contentEncoding] == "br", "brotli is preferred when offered")
            #expect(brotli.bytes.count < gzipped.bytes.count && brotli.bytes != gzipped.bytes, "\(brotli.bytes.count) bytes")

            // Refusals and wildcards.
            let refused = try await client.execute(uri: Self.items, method: .get, headers: [.acceptEncoding: "br;q=0, gzip;q=0"])
            #expect(refused.headers[.contentEncoding] == nil && Self.stamped(refused.bytes) == Self.stamped(plain.bytes))
            let any = try await client.execute(uri: Self.items, method: .get, headers: [.acceptEncoding: "*"])
            #expect(any.headers[.contentEncoding] == "gzip")
            let identity = try await client.execute(uri: Self.items, method: .get, headers: [.acceptEncoding: "identity"])
            #expect(identity.headers[.contentEncoding] == nil && Self.stamped(identity.bytes) == Self.stamped(plain.bytes))
        }
    }

    @Test func imagesAndSmallAnswersAreLeftAlone() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture() }
        try await fixture.test { client in
            let headers: HTTPFields = [.acceptEncoding: "gzip, br"]
            let tile = try await client.execute(uri: "/tiles/parcels/WebMercatorQuad/14/13509/6219.png", method: .get, headers: headers)
            #expect(tile.headers[.contentType] == "image/png" && tile.headers[.contentEncoding] == nil)
            let small = try await client.execute(uri: "/ogc/collections/wells/items/1", method: .get, headers: headers)
            #expect(small.status == .ok && small.bytes.count < CompressionMiddleware.minimumSize && small.headers[.contentEncoding] == nil, "\(small.bytes.count) bytes")
            // Errors are text too, and stay readable when compressed.
            let error = try await client.execute(uri: "/ogc/collections/parcels/items?limit=abc", method: .get, headers: [.acceptEncoding: "gzip"])
            #expect(error.status == .badRequest)
            let body = error.headers[.contentEncoding] == "gzip" ? try Self.gunzip(error.bytes) : error.bytes
            #expect(String(decoding: body, as: UTF8.self).contains("limit"))
        }
    }

    @Test func aCompressedAnswerHasAWeakTagAndStreamedBodiesAreCompressedWhole() async throws {
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: CompressionMiddleware())
        let line = String(repeating: "一张图 OneMap ", count: 20) + "\n"
        router.get("/tagged") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .eTag: "\"v1\""],
                     body: .init(byteBuffer: ByteBuffer(string: String(repeating: line, count: 50))))
        }
        // A body written in many pieces, without a length (as the feature pages stream).
        router.get("/streamed") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody { writer in
                for _ in 0..<500 { try await writer.write(ByteBuffer(string: line)) }
                try await writer.finish(nil)
            })
        }
        try await Application(router: router).test(.router) { client in
            let tagged = try await client.execute(uri: "/tagged", method: .get, headers: [.acceptEncoding: "gzip"])
            #expect(tagged.headers[.eTag] == "W/\"v1\"" && tagged.headers[.contentEncoding] == "gzip")
            #expect(try Self.gunzip(tagged.bytes) == Array(String(repeating: line, count: 50).utf8))
            let plain = try await client.execute(uri: "/tagged", method: .get)
            #expect(plain.headers[.eTag] == "\"v1\"", "uncompressed, the tag stays strong")
            let streamed = try await client.execute(uri: "/streamed", method: .get, headers: [.acceptEncoding: "gzip"])
            #expect(try Self.gunzip(streamed.bytes) == Array(String(repeating: line, count: 500).utf8))
            #expect(streamed.bytes.count < 2_000, "\(streamed.bytes.count) bytes for 500 repeated lines")
        }
    }

    @Test func acceptEncodingIsParsedAsRFC9110Says() {
        #expect(CompressionMiddleware.encoding(accepting: ["gzip, deflate, br"]) == .brotli)
        #expect(CompressionMiddleware.encoding(accepting: ["gzip;q=0.5", "br;q=0"]) == .gzip)
        #expect(CompressionMiddleware.encoding(accepting: ["deflate"]) == nil)
        #expect(CompressionMiddleware.encoding(accepting: []) == nil)
        #expect(CompressionMiddleware.compressible("application/geo+json") && CompressionMiddleware.compressible("text/html; charset=utf-8"))
        #expect(!CompressionMiddleware.compressible("image/png") && !CompressionMiddleware.compressible("application/vnd.mapbox-vector-tile"))
    }
}
