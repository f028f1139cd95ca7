// Process-wide record of hosts found unavailable (a documented registry: docs/architecture.md).
// Shared by every Connection so that one connection's failover teaches the others. An entry
// expires after `kUnavailableTtl`, after which the host is tried again.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

#include "awrap/host_info.hpp"

namespace awrap {

class HostAvailabilityRegistry {
 public:
  static constexpr std::chrono::minutes kUnavailableTtl{5};

  static HostAvailabilityRegistry& instance();

  void set(const HostInfo& host, HostAvailability availability);
  HostAvailability get(const HostInfo& host) const;
  void clear();

 private:
  mutable std::mutex mutex_;
  // endpoint -> when it was marked unavailable. GUARDED_BY(mutex_)
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> unavailable_since_;
};

}  // namespace awrap
