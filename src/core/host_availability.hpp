// Process-wide record of hosts found unavailable (a documented registry: docs/architecture.md).
// Shared by every Connection so that one connection's failover teaches the others. An entry
// expires after `kUnavailableTtl`, after which the host is tried again.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
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
  // Changes whenever an entry is set or cleared (not when one expires): a reader that cached
  // get()'s answers re-asks only when it moved (awrap::Pool, per borrow).
  std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }

 private:
  mutable Mutex mutex_;
  // endpoint -> when it was marked unavailable.
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> unavailable_since_
      GUARDED_BY(mutex_);
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace awrap
