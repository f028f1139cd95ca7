// The fastest_response decision (docs/host-selection.md): among the eligible hosts, the one whose
// latest measured response time is lowest; the choice is kept for response_measurement_interval_ms
// (as the AWS wrappers cache "the fastest host" per role), then made again from newer figures.
// Measuring is not done here: a ResponseTimeSource (the plugin layer's response-time monitors)
// supplies the figures, and the time comes in as an argument, so the decision is a pure function
// unit-tested on a fake clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "awrap/host_info.hpp"

namespace awrap::internal {

// Where a fastest_response selector gets its figures. Thread safety: used by one selector (one
// thread) at a time; implementations may share state with background threads.
class ResponseTimeSource {
 public:
  virtual ~ResponseTimeSource() = default;
  // The hosts the selector chooses among: they are measured from now on; hosts measured for this
  // source before and not passed now are no longer measured for it.
  virtual void watch(std::span<const HostInfo> hosts) = 0;
  // The latest measured response time of `host`; nullopt when it has not been measured yet or its
  // latest measurement failed (no answer within the deadline).
  virtual std::optional<std::chrono::nanoseconds> response_time(const HostInfo& host) const = 0;
};

// The host a selector chose for a role and until when it stands.
struct FastestChoice {
  std::string host;  // HostInfo::host
  std::chrono::steady_clock::time_point expires{};
};

// Index of the lowest measured time (the first on a tie); nullopt when nothing is measured.
std::optional<std::size_t> fastest_index(
    std::span<const std::optional<std::chrono::nanoseconds>> times);

// The choice among `candidates` (times[i] is candidates[i]'s figure): the cached choice while it
// has not expired and is still a candidate; otherwise the fastest measured host, cached until
// now + interval. Nullopt, and nothing cached, when no candidate has been measured yet (the
// caller then picks at random).
std::optional<std::size_t> choose_fastest(
    std::span<const HostInfo> candidates,
    std::span<const std::optional<std::chrono::nanoseconds>> times,
    std::optional<FastestChoice>& cache, std::chrono::steady_clock::time_point now,
    std::chrono::milliseconds interval);

}  // namespace awrap::internal
