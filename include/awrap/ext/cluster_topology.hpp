// A cluster's topology as plugins see it: immutable snapshots of its hosts and roles, and the
// shared monitor that keeps them current. Part of the extension API: PluginService hands a
// Connection's ClusterTopology to plugins (topology_monitor_for()); awrap's TopologyMonitor
// (src/topology/) is the implementation.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "awrap/ext/target_driver.hpp"
#include "awrap/host_info.hpp"

namespace awrap {

// A snapshot. Published by swapping a shared_ptr; readers keep the snapshot they took.
struct Topology {
  std::vector<HostInfo> hosts;  // writer first when known
  std::uint64_t version = 0;
  // When a live probe last confirmed the writer (it accepted a writer check). A failover waiter
  // only trusts a writer confirmed after it started waiting.
  std::chrono::steady_clock::time_point writer_confirmed_at{};

  std::optional<HostInfo> writer() const {
    for (const auto& h : hosts)
      if (h.role == HostRole::kWriter) return h;
    return std::nullopt;
  }
  std::vector<HostInfo> readers() const {
    std::vector<HostInfo> out;
    for (const auto& h : hosts)
      if (h.role == HostRole::kReader) out.push_back(h);
    return out;
  }
};

using TopologyPtr = std::shared_ptr<const Topology>;

// Published when a new topology names a different writer than the one before.
struct WriterReplaced {
  std::string cluster_id;
  HostInfo old_writer;
  HostInfo new_writer;
};

// Runs on the thread that publishes (a monitor thread, or a Connection's thread in
// refresh_using), one event at a time: it must be quick, must not block on the network, and must
// not subscribe or unsubscribe.
using WriterReplacedListener = std::function<void(const WriterReplaced&)>;

// A listener's registration: the listener is neither called nor running once this is destroyed.
// May outlive the monitor.
class TopologySubscription {
 public:
  virtual ~TopologySubscription() = default;
};

// Thread safety: every function may be called from any thread.
class ClusterTopology {
 public:
  using Clock = std::chrono::steady_clock;

  virtual ~ClusterTopology() = default;
  virtual const std::string& cluster_id() const noexcept = 0;
  // The latest snapshot; null before the first refresh.
  virtual TopologyPtr topology() const = 0;
  // Reads the topology over the caller's connection (on the caller's thread) and publishes it.
  // For the first connection of a cluster, so it does not wait for the monitor thread.
  virtual TopologyPtr refresh_using(TargetConnection& connection) = 0;
  // Asks for high-rate probing and waits until a writer is confirmed by a probe made after this
  // call, or until `deadline`. Returns that topology, or null at the deadline.
  virtual TopologyPtr wait_for_writer(Clock::time_point deadline) = 0;
  // Newer credentials for monitoring connections (e.g. a fresh IAM token).
  virtual void update_spec(const ConnectSpec& spec) = 0;
  // Calls `listener` each time a published topology replaces the writer, after publishing it,
  // while the returned subscription lives.
  virtual std::unique_ptr<TopologySubscription> subscribe_writer_replaced(
      WriterReplacedListener listener) = 0;
};

}  // namespace awrap
