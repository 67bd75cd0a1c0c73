#ifndef CLIBPQ_SHIM_H
#define CLIBPQ_SHIM_H
/* libpq, PostgreSQL's C client: TLS (sslmode=verify-full), .pgpass, PG* variables and multi-host URLs come with it. */
#include <libpq-fe.h>
#endif
