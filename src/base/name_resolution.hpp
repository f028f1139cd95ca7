// Host name resolution bounded by a deadline. libpq and Connector/C resolve names synchronously,
// with the system resolver's own timeouts (5 s per try by default), outside any connect
// deadline: a slow DNS server would stretch connect_timeout and every failover with it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace awrap {

// The addresses of `host` (numeric text, in the resolver's order, duplicates removed), resolved
// through the system resolver (getaddrinfo_a, so /etc/hosts and nsswitch apply) by `deadline`
// (no deadline: as long as the resolver takes). Throws ConnectError naming `endpoint` when the
// name does not resolve or the deadline passes first; a lookup still running then is left to
// finish in the background and freed later.
std::vector<std::string> resolve_host(const std::string& host,
                                      std::optional<std::chrono::steady_clock::time_point> deadline,
                                      const std::string& endpoint);

}  // namespace awrap
