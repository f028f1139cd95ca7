// The decisions of one host monitor, without I/O or threads (unit-tested with a fake clock).
//
// Monitoring is active while some connection registered on the host has been inside one call
// for at least detection_time. While active, a probe starts every `interval` (the first one at
// once), each with `interval` as its deadline. `count` consecutive failed probes make the host
// dead: calls older than detection_time are then to be aborted. A successful probe makes it
// alive again. When no call is long any more, the failure count is forgotten (the next long call
// starts afresh, so a host that recovered is never condemned on old evidence). The monitor may
// be disposed of when no call has been seen for `disposal`.
//
// Thread safety: none (the monitor's event loop owns it).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace awrap::internal {

struct MonitorSettings {
  std::chrono::milliseconds detection_time{30000};
  std::chrono::milliseconds interval{5000};
  int count = 3;
  std::chrono::milliseconds disposal{60000};
};

class MonitorStateMachine {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;

  enum class Transition : std::uint8_t { kNone, kBecameDead, kBecameAlive };

  MonitorStateMachine(MonitorSettings settings, TimePoint now)
      : settings_(settings), last_used_(now) {}

  const MonitorSettings& settings() const noexcept { return settings_; }

  // What the registered connections show now: the start of the oldest call in flight that was
  // not aborted yet (nullopt: none) and the latest time a call started.
  void observe(TimePoint now, std::optional<TimePoint> oldest_call_start,
               TimePoint last_call_start);

  bool active() const noexcept { return active_; }
  bool probe_due(TimePoint now) const noexcept {
    return active_ && !probe_in_flight_ && now >= next_probe_at_;
  }
  // Records the start of a probe; returns its deadline.
  TimePoint start_probe(TimePoint now);
  bool probe_in_flight() const noexcept { return probe_in_flight_; }
  bool probe_expired(TimePoint now) const noexcept {
    return probe_in_flight_ && now >= probe_deadline_;
  }
  Transition finish_probe(bool answered, TimePoint now);
  // A probe that ended for a reason that says nothing about the host (our own error).
  void cancel_probe() noexcept { probe_in_flight_ = false; }

  bool host_dead() const noexcept { return dead_; }
  int failures() const noexcept { return failures_; }
  // True when a call that started at `call_start` must be aborted now.
  bool abort_due(TimePoint call_start, TimePoint now) const noexcept {
    return dead_ && now - call_start >= settings_.detection_time;
  }
  bool disposable(TimePoint now) const noexcept {
    return !call_in_flight_ && !probe_in_flight_ && now - last_used_ >= settings_.disposal;
  }
  // The latest time the loop must look at this monitor again (it may look earlier).
  TimePoint next_event(TimePoint now) const noexcept;

 private:
  MonitorSettings settings_;
  TimePoint last_used_;
  std::optional<TimePoint> oldest_call_start_;
  bool call_in_flight_ = false;
  bool active_ = false;
  bool dead_ = false;
  int failures_ = 0;
  bool probe_in_flight_ = false;
  TimePoint next_probe_at_{};
  TimePoint probe_deadline_{};
};

}  // namespace awrap::internal
