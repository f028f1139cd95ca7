// Owning handles for libpq objects: unique_ptr with libpq's own free functions.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>

#include "base/process_fork.hpp"

namespace awrap::internal::pg {

struct PgConnDeleter {
  // In a fork() child the socket is the parent's too: PQfinish's Terminate must not reach it.
  PgConnDeleter() noexcept : fork_generation_at_connect(fork_generation()) {}
  std::uint64_t fork_generation_at_connect;
  // True in a fork() child of the process that made the connection.
  bool inherited() const noexcept { return fork_generation() != fork_generation_at_connect; }
  void operator()(PGconn* conn) const noexcept {
    if (inherited()) detach_inherited_socket(PQsocket(conn));
    PQfinish(conn);
  }
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

}  // namespace awrap::internal::pg
