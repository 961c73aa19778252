#ifndef ONEMAP_CMALLOCTUNING_H
#define ONEMAP_CMALLOCTUNING_H

/// Sets glibc malloc's mmap threshold (bytes; fixed, so it no longer grows) and its arena count.
/// Returns 0 when both were accepted, -1 when mallopt refused one, -2 on a libc without
/// mallopt (where it does nothing).
int onemap_tune_malloc(int mmap_threshold, int arena_max);

/// Returns free heap pages to the OS (malloc_trim). Returns 1 when memory was released, 0 when
/// there was none to release, -1 on a libc without malloc_trim (where it does nothing).
int onemap_release_free_memory(void);

#endif
