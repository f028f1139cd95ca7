// Owning handles for libpq objects: unique_ptr with libpq's own free functions.
#pragma once

#include <libpq-fe.h>

#include <memory>

namespace awrap::pg {

struct PgConnDeleter {
  void operator()(PGconn* conn) const noexcept { PQfinish(conn); }
};
using PgConnHandle = std::unique_ptr<PGconn, PgConnDeleter>;

struct PgResultDeleter {
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};
using PgResultHandle = std::unique_ptr<PGresult, PgResultDeleter>;

struct PgCancelDeleter {
  void operator()(PGcancel* cancel) const noexcept { PQfreeCancel(cancel); }
};
using PgCancelHandle = std::unique_ptr<PGcancel, PgCancelDeleter>;

struct PgConninfoDeleter {
  void operator()(PQconninfoOption* options) const noexcept { PQconninfoFree(options); }
};
using PgConninfoHandle = std::unique_ptr<PQconninfoOption, PgConninfoDeleter>;

}  // namespace awrap::pg
