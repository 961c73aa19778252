import NIOCore
import Prometheus
import Synchronization

/// How long a client may take (`serve --header-timeout`, `--idle-timeout`): a request head must
/// arrive whole within `header` of its first byte, and a connection with nothing in progress
/// that sends nothing for `idle` is closed. Together with `ConnectionLimit` they keep a crowd of
/// trickling or silent connections (slowloris) from holding the server's connections.
public struct ConnectionTimeouts: Sendable {
    public var header: TimeAmount
    public var idle: TimeAmount

    public init(header: TimeAmount = .seconds(10), idle: TimeAmount = .seconds(60)) {
        self.header = header
        self.idle = idle
    }
}

/// The number of client connections open at once (`serve --max-connections`).
final class ConnectionLimit: Sendable {
    let limit: Int
    private let count = Atomic<Int>(0)
    private let refused: Counter
    private let gauge: Gauge

    init(limit: Int, metrics: ServerMetrics) {
        self.limit = limit
        refused = metrics.connectionsClosed(reason: "limit")
        gauge = metrics.openConnections()
    }

    /// Counts a new connection until it closes; false (and counted as refused) when over the limit.
    func open(_ channel: any Channel) -> Bool {
        let now = count.wrappingAdd(1, ordering: .relaxed).newValue
        gauge.record(Double(now))
        channel.closeFuture.whenComplete { [self] _ in
            gauge.record(Double(count.wrappingSubtract(1, ordering: .relaxed).newValue))
        }
        if now > limit { refused.increment() }
        return now <= limit
    }

    /// Answers anything on a connection over the limit with 503 and closes it.
    final class Refusal: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        private var refused = false

        func channelActive(context: ChannelHandlerContext) {
            refuse(context)
        }

        func handlerAdded(context: ChannelHandlerContext) {
            if context.channel.isActive { refuse(context) }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

        private func refuse(_ context: ChannelHandlerContext) {
            guard !refused else { return }
            refused = true
            let body = #"{"code":"ServiceUnavailable","description":"too many connections; try again soon"}"#
            let head = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
            var buffer = context.channel.allocator.buffer(capacity: head.utf8.count + body.utf8.count)
            buffer.writeString(head)
            buffer.writeString(body)
            context.writeAndFlush(NIOAny(buffer)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
