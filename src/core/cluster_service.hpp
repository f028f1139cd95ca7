// What built-in cluster plugins (failover, aurora_connection_tracker, initial_connection,
// read_write_splitting) need
// beyond the public PluginService: the dialect and the shared topology monitor. Implemented by
// internal::ConnectionImpl; reached with cluster_service(PluginService&).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "awrap/ext/plugin.hpp"
#include "dialect/dialect.hpp"
#include "topology/topology_monitor.hpp"

namespace awrap {

class ClusterService {
 public:
  virtual ~ClusterService() = default;
  // The cluster flavour, detected on `connection` the first time (cached per endpoint), or the
  // one set by wrapper_dialect.
  virtual std::shared_ptr<const Dialect> dialect_for(TargetConnection& connection) = 0;
  // The shared topology monitor of this Connection's cluster; null when the target is a single
  // plain server (nothing to fail over to). Created on first use, over `connection`.
  virtual std::shared_ptr<TopologyMonitor> topology_monitor_for(TargetConnection& connection) = 0;
  // The monitor if already created, else null.
  virtual std::shared_ptr<TopologyMonitor> topology_monitor() const = 0;
  // The monitor other Connections to the same cluster already run (same cluster_id), adopted
  // by this Connection; null when there is none. Used when the first connect fails.
  virtual std::shared_ptr<TopologyMonitor> existing_topology_monitor() = 0;
  // The budget of each of awrap's own queries (auxiliary_query_timeout_sec).
  virtual std::chrono::milliseconds auxiliary_query_timeout() const noexcept = 0;
  // PluginService::connect, finished by `deadline`: connect_timeout is cut to the time left.
  virtual std::unique_ptr<TargetConnection> connect_until(
      const HostInfo& host, std::chrono::steady_clock::time_point deadline) = 0;
  // Makes `connection` current and returns the previous one, open: read/write splitting keeps
  // the other side's connection to switch back without a new login. Unlike
  // PluginService::set_current_connection no session state is restored (the caller carries it)
  // and nothing is closed. Plugins hear of the change. A connection handed back keeps the
  // prepared statements it had. REQUIRES: `connection` is open.
  // `host` is the host as the topology names it (the connection may have been opened through
  // a cluster endpoint); it becomes current_host().
  virtual std::shared_ptr<TargetConnection> exchange_connection(
      std::shared_ptr<TargetConnection> connection, const HostInfo& host) = 0;
};

// REQUIRES: `service` is awrap's own (every PluginService handed to plugins is).
ClusterService& cluster_service(PluginService& service);

}  // namespace awrap
