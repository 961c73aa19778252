import Foundation
import Hummingbird
import HummingbirdTesting
import OneMapTestSupport
import Testing

@testable import OneMapServer

/// Slow, silent and too many clients (slowloris): closed by the header and idle timeouts, refused
/// over the connection limit, while ordinary clients go on being answered.
@Suite struct SlowClientTests {
    func withServer(_ configure: @escaping @Sendable (inout ServerConfiguration) -> Void,
                    _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let fixture = try await OwnThread.build { try FeatureFixture(configure: configure) }
        try await buildApplication(fixture.services).test(.live) { client in try await body(try #require(client.port)) }
    }

    @Test func aTricklingHeadIsClosedAndOthersAreAnswered() async throws {
        try await withServer({ $0.headerTimeout = 1; $0.idleTimeout = 30 }) { port in
            let started = Date()
            let trickled = try await OwnThread.run { () -> (closed: Bool, seconds: Double) in
                let socket = try TestSocket(port: port)
                // One byte every 200 ms, never finishing the head.
                for byte in "GET /ogc HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".utf8 {
                    guard socket.send([byte]) else { return (true, Date().timeIntervalSince(started)) }
                    if socket.closedByPeer(waiting: 0.2) { return (true, Date().timeIntervalSince(started)) }
                }
                return (false, Date().timeIntervalSince(started))
            }
            #expect(trickled.closed && trickled.seconds < 5, "\(trickled)")
            // A whole request on a new connection is answered.
            let answer = try await OwnThread.run { try TestSocket(port: port).exchange("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") }
            #expect(answer.hasPrefix("HTTP/1.1 200"))
        }
    }

    @Test func aSilentConnectionIsClosedButABusyOneIsNot() async throws {
        try await withServer({ $0.headerTimeout = 5; $0.idleTimeout = 2 }) { port in
            let silent = try await OwnThread.run { () -> Bool in try TestSocket(port: port).closedByPeer(waiting: 8) }
            #expect(silent)
            // Requests 300 ms apart on one connection (answers included, over the idle timeout in
            // all): never quiet for two seconds, never closed.
            let busy = try await OwnThread.run { () -> (Int, String) in
                let socket = try TestSocket(port: port)
                var answered = 0
                let started = Date()
                for _ in 0..<8 {
                    guard socket.send(Array("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".utf8)) else { return (answered, "send failed") }
                    if socket.receive(until: "\"ok\"", waiting: 20) { answered += 1 } else {
                        return (answered, "no answer after \(Date().timeIntervalSince(started)) s: \(String(decoding: socket.received, as: UTF8.self))")
                    }
                    Thread.sleep(forTimeInterval: 0.3)
                }
                return (answered, "")
            }
            #expect(busy.0 == 8, "\(busy.1)")
        }
    }

    @Test func connectionsOverTheLimitGet503() async throws {
        try await withServer({ $0.maxConnections = 3 }) { port in
            let text = try await OwnThread.run { () -> String in
                let held = try (0..<3).map { _ in try TestSocket(port: port) }
                Thread.sleep(forTimeInterval: 0.3)
                let refused = try TestSocket(port: port).exchange("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                withExtendedLifetime(held) {}
                return refused
            }
            #expect(text.hasPrefix("HTTP/1.1 503") && text.contains("Retry-After") && text.contains("too many connections"), "\(text)")
            // Once they are gone, connections are taken again.
            try await Task.sleep(for: .milliseconds(300))
            let again = try await OwnThread.run { try TestSocket(port: port).exchange("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") }
            #expect(again.hasPrefix("HTTP/1.1 200"), "\(again)")
        }
    }
}

/// A blocking client socket (used on a thread of its own).
final class TestSocket {
    let fd: Int32

    init(port: Int) throws { fd = try Self.connect(port: port) }

    /// A blocking socket connected to the loopback `port`; the caller closes it.
    static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw POSIXError(.ECONNREFUSED)
        }
        return fd
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) -> Bool { Glibc.send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count }

    /// Whether the server closes the connection within `seconds` (reading and dropping what comes).
    func closedByPeer(waiting seconds: Double) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < end {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(max(1, end.timeIntervalSinceNow * 1000))) > 0 else { continue }
            if recv(fd, &buffer, buffer.count, 0) <= 0 { return true }
        }
        return false
    }

    private(set) var received: [UInt8] = []

    /// Whether `needle` arrives within `seconds`.
    func receive(until needle: String, waiting seconds: Double) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < end {
            if String(decoding: received, as: UTF8.self).contains(needle) { received = []; return true }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(max(1, end.timeIntervalSinceNow * 1000))) > 0 else { continue }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return false }
            received += buffer[0..<n]
        }
        return false
    }

    /// Sends `text` and reads until the server closes the connection (at most 60 s: under the whole
    /// suite on two cores a short answer has taken longer than 10 s to come).
    func exchange(_ text: String) -> String {
        _ = send(Array(text.utf8))
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let end = Date().addingTimeInterval(60)
        while Date() < end {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 200) > 0 else { continue }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
