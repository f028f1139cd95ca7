// Opening one libpq connection with a real wall-clock deadline.
//
// libpq ignores its own connect_timeout in the non-blocking API and blocks in DNS, so awrap
// drives PQconnectStartParams + PQconnectPoll itself, waiting on the (possibly changing) socket
// with poll() until ConnectSpec::connect_timeout.
#pragma once

#include <string>
#include <vector>

#include "awrap/ext/target_driver.hpp"
#include "awrap/host_info.hpp"
#include "driver/pg/pg_handles.hpp"

namespace awrap::internal::pg {

inline constexpr int kPgDefaultPort = 5432;

// "host:port" with the default port filled in, as errors report it.
std::string pg_endpoint(const HostInfo& host);

// libpq's host and hostaddr values for a name resolved to `addresses`: one host entry per
// address, each the name (kept for TLS verification and the server's view), tried in order.
struct HostAddressLists {
  std::string hosts;
  std::string addresses;
};
HostAddressLists host_address_lists(const std::string& name,
                                    const std::vector<std::string>& addresses);

// Connects with keywords host, port, user, password, dbname (empty ones omitted), hostaddr when
// the host is an IP literal, then every spec.native_options entry verbatim (a native option
// overrides the keyword of the same name). dbname is never expanded as a conninfo string.
// Returns an established connection in non-blocking mode with notices routed to awrap's log.
// Throws ConfigError (an option libpq rejects, naming it), AuthError (login refused) or
// ConnectError (anything else, including the deadline); all name host:port, none the password.
// A name (not a literal) in spec.host.host is resolved by libpq synchronously, before the
// deadline applies.
PgConnHandle open_pg_connection(const ConnectSpec& spec);

}  // namespace awrap::internal::pg
