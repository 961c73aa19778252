// Only the connection set-up entry points; SQL itself goes through GRDB.
#include <spatialite.h>
