import CMallocTuning

/// glibc malloc tuning for a long-running renderer (the one place its C calls are made).
public enum MemoryTrim {
    /// Returns freed heap pages to the OS (glibc `malloc_trim`); a no-op elsewhere.
    public static func releaseFreeMemory() { _ = onemap_release_free_memory() }

    /// Fixes glibc's mmap threshold and caps its arena count, so a render burst does not leave
    /// hundreds of MB resident.
    /// - Returns: 0 when both were accepted, -1 when mallopt refused one, -2 without glibc.
    @discardableResult
    public static func tune(mmapThreshold: Int32, arenas: Int32) -> Int32 { onemap_tune_malloc(mmapThreshold, arenas) }
}
