// Only the reentrant (_r) GEOS API: every call takes a context handle owned by one task.
#define GEOS_USE_ONLY_R_API
#include <geos_c.h>
