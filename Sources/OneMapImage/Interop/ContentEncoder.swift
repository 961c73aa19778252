import CBrotli
import PNGShim

/// A streaming compressor for HTTP response bodies (`Content-Encoding: gzip` or `br`): pieces go in
/// as a handler writes them and compressed bytes come out, so nothing is held whole in memory.
/// One per response; not shared between tasks.
public final class ContentEncoder {
    public enum Encoding: String, Sendable, CaseIterable {
        case brotli = "br", gzip
    }

    public let encoding: Encoding
    private var gzip: OpaquePointer?
    private var brotli: OpaquePointer?

    /// Levels chosen for text made on each request: zlib 4 and brotli quality 4 compress JSON to
    /// within a few per cent of their best at a fraction of the time.
    public init(_ encoding: Encoding) throws {
        self.encoding = encoding
        switch encoding {
        case .gzip:
            guard let stream = PNGShim_gzipOpen(4) else { throw ImageCodec.Failure(description: "gzip: out of memory") }
            gzip = stream
        case .brotli:
            guard let state = BrotliEncoderCreateInstance(nil, nil, nil) else { throw ImageCodec.Failure(description: "brotli: out of memory") }
            BrotliEncoderSetParameter(state, BROTLI_PARAM_QUALITY, 4)
            BrotliEncoderSetParameter(state, BROTLI_PARAM_MODE, UInt32(BROTLI_MODE_TEXT.rawValue))
            brotli = state
        }
    }

    deinit {
        if let gzip { PNGShim_gzipClose(gzip) }
        if let brotli { BrotliEncoderDestroyInstance(brotli) }
    }

    /// Compresses the next piece; the result may be empty (the encoder holds back until it has more).
    public func compress(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8] { try run(bytes, finish: false) }

    /// Ends the stream: what the encoder still held, and the trailer.
    public func finish() throws -> [UInt8] { try run(UnsafeRawBufferPointer(start: nil, count: 0), finish: true) }

    private func run(_ bytes: UnsafeRawBufferPointer, finish: Bool) throws -> [UInt8] {
        let input = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        if let gzip {
            var out = PNGShim_Buffer()
            defer { PNGShim_bufferFree(&out) }
            guard PNGShim_gzipWrite(gzip, input, bytes.count, finish ? 1 : 0, &out) == 0 else { throw ImageCodec.Failure(description: "gzip failed") }
            return out.size == 0 ? [] : Array(UnsafeBufferPointer(start: out.data, count: out.size))
        }
        guard let brotli else { return [] }
        var result: [UInt8] = []
        var availableIn = bytes.count
        var nextIn = input
        var chunk = [UInt8](repeating: 0, count: 16384)
        let operation = finish ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_PROCESS
        repeat {
            let produced = try chunk.withUnsafeMutableBufferPointer { buffer -> Int in
                var availableOut = buffer.count
                var nextOut = buffer.baseAddress
                guard BrotliEncoderCompressStream(brotli, operation, &availableIn, &nextIn, &availableOut, &nextOut, nil) == BROTLI_TRUE else {
                    throw ImageCodec.Failure(description: "brotli failed")
                }
                return buffer.count - availableOut
            }
            result.append(contentsOf: chunk[0..<produced])
        } while availableIn > 0 || BrotliEncoderHasMoreOutput(brotli) == BROTLI_TRUE || (finish && BrotliEncoderIsFinished(brotli) != BROTLI_TRUE)
        return result
    }
}
