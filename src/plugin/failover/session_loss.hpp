// Whether a lost connection was one session's end, said by a server that is alive: an
// administrator or timeout ended our session (pg_terminate_backend, idle_session_timeout,
// idle_in_transaction_session_timeout, MySQL KILL, an inactivity timeout), as opposed to a host
// that went away (a socket error, a crash, a host-monitoring abort). Only the second is evidence
// about the host. Pure (unit-tested in tests/unit/failover_logic_test.cpp).
#pragma once

#include <string_view>

namespace awrap::internal {

// sqlstate: the error's SQLSTATE (may be empty); native_code: MySQL's error number (0 for
// PostgreSQL). 57P01 is also what a fast shutdown sends, and MySQL's end of stream (2013, 2006:
// what a KILL shows on MariaDB) is also what a crashed server process leaves: the reconnect that
// follows then fails at once and failover carries on as for a lost host.
bool session_ended_by_live_server(std::string_view sqlstate, int native_code) noexcept;

}  // namespace awrap::internal
