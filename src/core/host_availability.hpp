// Process-wide record of hosts found unavailable (a documented registry: docs/architecture.md).
// Shared by every Connection so that one connection's failover teaches the others. An entry
// expires after `kUnavailableTtl`, after which the host is tried again.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

#include "awrap/host_info.hpp"
#include "base/thread_annotations.hpp"

namespace awrap {

class HostAvailabilityRegistry {
 public:
  static constexpr std::chrono::minutes kUnavailableTtl{5};

  static HostAvailabilityRegistry& instance();

  void set(const HostInfo& host, HostAvailability availability);
  HostAvailability get(const HostInfo& host) const;
  void clear();

 private:
  mutable Mutex mutex_;
  // endpoint -> when it was marked unavailable.
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> unavailable_since_
      GUARDED_BY(mutex_);
};

}  // namespace awrap
