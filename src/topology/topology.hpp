// An immutable snapshot of a cluster's hosts and roles. Published by the TopologyMonitor by
// swapping a shared_ptr; readers keep the snapshot they took (mongo-c-driver's model).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "awrap/host_info.hpp"

namespace awrap {

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

}  // namespace awrap
