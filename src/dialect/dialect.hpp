// Dialects: the SQL of one cluster flavour and how to recognise it (DESIGN.md section 1).
//
// A dialect runs its queries on a connection it is handed; it owns no connection and keeps no
// state, so one instance serves every thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "awrap/ext/target_driver.hpp"
#include "base/runtime.hpp"

namespace awrap {

// One instance as the cluster reports it.
struct TopologyEntry {
  std::string instance_id;  // Aurora server_id, Multi-AZ resource id
  std::string endpoint;     // host name when the cluster reports one (Multi-AZ), else empty
  int port = 0;             // 0 when not reported
  bool is_writer = false;
  double replica_lag_ms = 0;
  std::optional<std::chrono::system_clock::time_point> last_update;
};

class Dialect {
 public:
  virtual ~Dialect() = default;
  // "pg", "rds-pg", "aurora-pg", "multi-az-pg", "mysql", "mariadb", "rds-mysql", …
  virtual std::string_view code() const noexcept = 0;
  // True when the cluster reports its own topology (Aurora, Multi-AZ). False for plain servers,
  // whose topology is the conninfo's host list with each host's role probed.
  virtual bool reports_topology() const noexcept = 0;
  // The topology as seen from `connection` (any instance; may be stale on readers). Throws the
  // driver's errors. REQUIRES: reports_topology().
  virtual std::vector<TopologyEntry> query_topology(TargetConnection& connection) const = 0;
  // The id of the instance `connection` is on ("" when the flavour has none).
  virtual std::string instance_id(TargetConnection& connection) const = 0;
  // Whether the instance `connection` is on accepts writes now.
  virtual bool is_writer(TargetConnection& connection) const = 0;
};

// "YYYY-MM-DD HH:MM:SS" (how the topology queries format a UTC time; anything after the seconds
// is ignored) -> time point. nullopt when malformed or outside the years system_clock can hold
// (1678 to 2261: it counts nanoseconds in 64 bits), so a server's odd value is never undefined
// behaviour.
std::optional<std::chrono::system_clock::time_point> parse_server_utc_time(std::string_view text);

// The dialect for `code`; throws ConfigError naming the accepted codes for the engine.
std::unique_ptr<Dialect> make_dialect(std::string_view code, std::string_view engine);
// detect_dialect, remembered per endpoint for the life of `runtime` (a service of it:
// base/runtime.hpp), so only the first connection to an endpoint pays for the detection queries.
std::shared_ptr<const Dialect> detect_dialect_cached(internal::Runtime& runtime,
                                                     TargetConnection& connection,
                                                     std::string_view engine);
// Runs the detection queries on `connection` and returns the best-fitting dialect.
std::unique_ptr<Dialect> detect_dialect(TargetConnection& connection, std::string_view engine);

}  // namespace awrap
