// TopologyMonitor: one per cluster (cluster_id), shared by every Connection to that cluster.
//
// Normal mode: one monitoring connection, preferably to the writer, refreshes the topology every
// topology_refresh_ms. When the writer is lost (the monitoring connection fails, or a Connection
// asks through wait_for_writer), the monitor switches to high-rate mode: one prober per known
// host asks "are you the writer?" every cluster_topology_high_refresh_rate_ms over its own
// connection, in parallel, until a writer is confirmed; then the probers stop and the new
// topology is published to every waiter at once, so failing-over Connections do not each hammer
// the cluster. With no Connection waiting, probing backs off and ends after
// unattended_probe_time (a cluster with no reachable writer is not probed forever); it starts
// again when a Connection asks, or when a normal refresh finds the writer gone after one did.
//
// Threads: 1 monitor thread per cluster, plus 1 prober thread per host while in high-rate mode.
// Connections: 1 monitoring connection, plus 1 per host while in high-rate mode.
// Time: the Runtime's TimeSource (base/time_source.hpp) stamps confirmations and bounds
// wait_for_writer, whose deadline the caller reads from the same source. The monitor's own pacing
// (refresh interval, probe pauses, cluster_topology_unattended_probe_ms) waits on the real clock:
// background threads must not move a fake clock under the loop a test drives.
// Lifetime: owned through shared_ptr by the Connections that use it (the Runtime's
// TopologyMonitorRegistry keeps only weak references); the destructor aborts in-flight network
// calls and joins every thread, taking at most the probe connect timeout. Thread safety: every
// public method may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "awrap/ext/background_credentials.hpp"
#include "awrap/ext/cluster_topology.hpp"
#include "awrap/ext/target_driver.hpp"
#include "base/runtime.hpp"
#include "base/thread_annotations.hpp"
#include "base/time_source.hpp"
#include "dialect/dialect.hpp"
#include "topology/writer_replaced.hpp"

namespace awrap::internal {

struct TopologyMonitorConfig {
  std::string cluster_id;
  std::shared_ptr<TargetDriver> driver;
  std::shared_ptr<const Dialect> dialect;
  // Maps an instance the cluster reports to the host to connect to (host pattern, endpoint).
  std::function<HostInfo(const TopologyEntry&)> map_entry;
  // The conninfo's hosts: the topology of a cluster that does not report one.
  std::vector<HostInfo> seed_hosts;
  // Credentials, timeouts and native options for monitoring connections (host is replaced).
  ConnectSpec spec;
  // Fresh credentials for each monitoring connection (the authentication plugins'); null: the
  // user and password of `spec`, as update_spec() last set them.
  std::shared_ptr<const BackgroundCredentials> credentials;
  std::chrono::milliseconds refresh_interval{30000};
  std::chrono::milliseconds high_rate_interval{100};
  // High-rate probing with no connection waiting for a writer ends after this long (and backs
  // off meanwhile); then the monitor tries each host once per refresh_interval.
  std::chrono::milliseconds unattended_probe_time{10000};
};

class TopologyMonitor final : public ClusterTopology {
 public:
  // `time` outlives the monitor (the Runtime's, held by every Connection using the monitor).
  TopologyMonitor(TopologyMonitorConfig config, internal::TimeSource& time);
  ~TopologyMonitor() override;
  TopologyMonitor(const TopologyMonitor&) = delete;
  TopologyMonitor& operator=(const TopologyMonitor&) = delete;

  const std::string& cluster_id() const noexcept override { return config_.cluster_id; }
  const Dialect& dialect() const noexcept { return *config_.dialect; }

  // ClusterTopology (awrap/ext/cluster_topology.hpp says what each does).
  TopologyPtr topology() const override;
  TopologyPtr refresh_using(TargetConnection& connection) override;
  TopologyPtr wait_for_writer(Clock::time_point deadline) override;
  void update_spec(const ConnectSpec& spec) override;
  // Listeners run under the listeners' mutex (writer_replaced.hpp).
  std::unique_ptr<TopologySubscription> subscribe_writer_replaced(
      WriterReplacedListener listener) override;

  // Threads currently running for this monitor (monitor + probers); for tests and docs.
  int running_threads() const;

 private:
  class Prober;
  TopologyPtr build_topology(const std::vector<TopologyEntry>& entries,
                             const HostInfo* confirmed_writer) const;
  std::vector<HostInfo> probe_candidates() const;
  // `check_began`: when the live check (or topology query) behind `topology` was sent.
  void publish(TopologyPtr topology, bool writer_confirmed, Clock::time_point check_began);
  void run(std::stop_token stop);
  void refresh_once(std::stop_token stop);
  void high_rate_round(std::stop_token stop);
  // Asks for high-rate probing, unless the last round ended unattended without a writer and no
  // Connection waits now.
  void request_high_rate() REQUIRES(mutex_);
  void on_probe_result(const HostInfo& host, TargetConnection& connection,
                       Clock::time_point check_began);
  std::unique_ptr<TargetConnection> connect_tracked(const HostInfo& host);
  void untrack(TargetConnection* connection);
  ConnectSpec spec_copy() const;

  const TopologyMonitorConfig config_;
  internal::TimeSource& time_;
  // Shared with the subscriptions, which may outlive the monitor.
  const std::shared_ptr<WriterReplacedListeners> writer_listeners_ =
      std::make_shared<WriterReplacedListeners>();
  mutable Mutex mutex_;
  std::condition_variable_any changed_;
  TopologyPtr topology_ GUARDED_BY(mutex_);
  ConnectSpec spec_ GUARDED_BY(mutex_);
  bool high_rate_ GUARDED_BY(mutex_) = false;
  int waiters_ GUARDED_BY(mutex_) = 0;
  // The last high-rate round ended with no writer and nobody waiting.
  bool probing_abandoned_ GUARDED_BY(mutex_) = false;
  std::set<TargetConnection*> in_flight_ GUARDED_BY(mutex_);  // aborted on shutdown
  bool shutting_down_ GUARDED_BY(mutex_) = false;
  int running_threads_ GUARDED_BY(mutex_) = 0;
  std::unique_ptr<TargetConnection> monitoring_connection_;  // monitor thread only
  // The same connection for other threads: a waiter aborts it so a refresh blocked on a hung
  // writer cannot delay the switch to probing.
  TargetConnection* monitoring_connection_raw_ GUARDED_BY(mutex_) = nullptr;
  std::jthread thread_;  // last: stopped and joined first
};

// The map cluster_id -> monitor of a Runtime (a service of it: base/runtime.hpp), in
// topology_monitor_registry.cpp. Holds weak references: a monitor lives while a Connection uses
// it. The monitor of config.cluster_id, made from `config` when there is none.
std::shared_ptr<TopologyMonitor> acquire_topology_monitor(internal::Runtime& runtime,
                                                          const TopologyMonitorConfig& config);
// The monitor of `cluster_id` if some Connection has one running, else null.
std::shared_ptr<TopologyMonitor> find_topology_monitor(internal::Runtime& runtime,
                                                       const std::string& cluster_id);
// Monitors alive now (for tests: thread counts before and after).
int live_topology_monitors(internal::Runtime& runtime);

}  // namespace awrap::internal
