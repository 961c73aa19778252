// PostgreSQL's client library: connections, parameterised queries, COPY and notifications.
#include <libpq-fe.h>
