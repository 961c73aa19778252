import CMallocTuning
import Foundation
import Testing

@testable import OneMapServer

/// The malloc tuning and trimming the server relies on for its resident size are really
/// compiled in (they once were not: the C file never saw `__GLIBC__`, and every call was a no-op).
@Suite struct MemoryReleaseTests {
    #if canImport(Glibc)
    @Test func mallocTuningTakesEffectOnGlibc() {
        #expect(onemap_tune_malloc(1 << 20, 4) == 0)
    }

    @Test func trimmingHandsFreedPagesBack() throws {
        // glibc says whether the trim released anything. The resident size, measured around it,
        // is reported but not asserted: other tests allocate in parallel and hide the drop.
        let (before, after, released) = try allocateFreeAndTrim()
        #expect(released == 1, "malloc_trim released nothing (RssAnon \(before) kB → \(after) kB)")
    }

    /// 128 MB in chunks below any mmap threshold (so they come from the heap, not from mmap),
    /// touched, then freed: after the trim the resident size drops by most of it.
    private func allocateFreeAndTrim() throws -> (Int, Int, Int32) {
        let chunks = (0..<2048).map { _ in UnsafeMutableRawPointer.allocate(byteCount: 64 << 10, alignment: 16) }
        for chunk in chunks { memset(chunk, 1, 64 << 10) }
        // Keep one small allocation after them, so the freed chunks are not at the heap's top.
        let pin = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 16)
        defer { pin.deallocate() }
        for chunk in chunks { chunk.deallocate() }
        // Measured right around the trim.
        let before = try residentAnonymousKB()
        let released = onemap_release_free_memory()
        let after = try residentAnonymousKB()
        return (before, after, released)
    }

    private func residentAnonymousKB() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("RssAnon:") })
        return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
    }
    #endif
}
