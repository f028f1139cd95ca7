// Host availability: whether failover and host selection should try a host, from evidence about
// the HOST (host-monitoring probes, failed connects to it), never from one session's trouble (a
// statement timeout, an idle-session timeout, a terminated or killed session, a cancel).
//
// The decisions are pure functions on an injected time (unit-tested from the scenario table
// tests/data/host_monitoring/availability_strategy_scenarios.json); the registry (a service of the
// Runtime: base/runtime.hpp, docs/architecture.md) only stores what was observed per endpoint and
// is shared by every Connection of the Runtime, so one connection's evidence teaches the others.
// The strategy is the Python wrapper's (default_host_availability_strategy,
// host_availability_strategy_max_retries, host_availability_strategy_initial_backoff_time):
//
//   simple               a host marked unavailable stays so until something marks it available
//                        (a successful probe or connect);
//   exponential_backoff  after its n-th consecutive "unavailable" mark (n <= max_retries) the
//                        host is tried again once 2^n × initial_backoff has passed since that
//                        mark; after more than max_retries marks it stays unavailable until
//                        marked available. (awrap's default; 30 s: again after 60 s, 120 s ...)
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "awrap/host_info.hpp"
#include "awrap/properties.hpp"
#include "base/runtime.hpp"
#include "base/thread_annotations.hpp"
#include "base/time_source.hpp"

namespace awrap::internal {

struct HostAvailabilityStrategy {
  enum class Kind : std::uint8_t { kSimple, kExponentialBackoff };
  Kind kind = Kind::kExponentialBackoff;
  int max_retries = 5;
  std::chrono::seconds initial_backoff{30};
};

// What was observed of one host.
struct HostAvailabilityRecord {
  using TimePoint = std::chrono::steady_clock::time_point;
  int unavailable_marks = 0;  // consecutive "unavailable" marks; 0: available
  TimePoint last_changed{};
};

// The record after `observed` at `now`. Pure.
HostAvailabilityRecord record_availability(HostAvailabilityRecord record, HostAvailability observed,
                                           HostAvailabilityRecord::TimePoint now) noexcept;
// Whether the host is to be tried at `now`. Pure.
HostAvailability effective_availability(const HostAvailabilityRecord& record,
                                        const HostAvailabilityStrategy& strategy,
                                        HostAvailabilityRecord::TimePoint now) noexcept;
// From default_host_availability_strategy, host_availability_strategy_max_retries and
// host_availability_strategy_initial_backoff_time (validated by the property table).
HostAvailabilityStrategy host_availability_strategy_from(const Properties& properties);

class HostAvailabilityRegistry {
 public:
  // Marks expire by the Runtime's TimeSource (a fake one in tests).
  explicit HostAvailabilityRegistry(internal::Runtime& runtime);

  void set(const HostInfo& host, HostAvailability availability);
  // With the default strategy (exponential_backoff, 5 retries, 30 s).
  HostAvailability get(const HostInfo& host) const;
  HostAvailability get(const HostInfo& host, const HostAvailabilityStrategy& strategy) const;
  void clear();
  // Changes whenever an entry is set or cleared (not when one expires): a reader that cached
  // get()'s answers re-asks only when it moved (awrap::Pool, per borrow).
  std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }

 private:
  internal::TimeSource& time_;
  mutable Mutex mutex_;
  std::unordered_map<std::string, HostAvailabilityRecord> records_ GUARDED_BY(mutex_);
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace awrap::internal
