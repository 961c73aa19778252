#include "CMallocTuning.h"
// Any libc header defines __GLIBC__ (through <features.h>); without one the test below would
// silently pick the no-op branch, as it once did here.
#include <stdlib.h>

#if defined(__GLIBC__)
#include <malloc.h>

int onemap_tune_malloc(int mmap_threshold, int arena_max) {
    int ok = mallopt(M_MMAP_THRESHOLD, mmap_threshold);
    ok &= mallopt(M_ARENA_MAX, arena_max);
    return ok ? 0 : -1;
}

int onemap_release_free_memory(void) { return malloc_trim(0); }
#else
int onemap_tune_malloc(int mmap_threshold, int arena_max) {
    (void)mmap_threshold;
    (void)arena_max;
    return -2;
}

int onemap_release_free_memory(void) { return -1; }
#endif
