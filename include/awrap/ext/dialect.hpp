// Dialect: the SQL of one cluster flavour (plain server, RDS, Aurora, Multi-AZ DB cluster).
// Part of the extension API: plugins ask PluginService::dialect_for() which flavour a connection
// is on and use it to read the cluster's topology or check for the writer.
//
// A dialect runs its queries on a connection it is handed; it owns no connection and keeps no
// state, so one instance serves every thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "awrap/ext/target_driver.hpp"

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

}  // namespace awrap
