#include "plugin/host_monitoring/monitor_state.hpp"

#include <algorithm>

namespace awrap::internal {

void MonitorStateMachine::observe(TimePoint now, std::optional<TimePoint> oldest_call_start,
                                  TimePoint last_call_start) {
  oldest_call_start_ = oldest_call_start;
  call_in_flight_ = oldest_call_start.has_value();
  last_used_ = std::max(last_used_, last_call_start);
  if (call_in_flight_) last_used_ = std::max(last_used_, now);
  const bool long_call = oldest_call_start && now - *oldest_call_start >= settings_.detection_time;
  if (long_call && !active_) {
    active_ = true;
    next_probe_at_ = now;  // the first probe at once
  } else if (!long_call && active_ && !dead_) {
    // Nobody is waiting long any more: forget partial evidence.
    active_ = false;
    failures_ = 0;
  } else if (!long_call && active_ && dead_ && !call_in_flight_) {
    // Every stuck call was aborted and nothing runs: the verdict is stale from now on.
    active_ = false;
    dead_ = false;
    failures_ = 0;
  }
}

MonitorStateMachine::TimePoint MonitorStateMachine::start_probe(TimePoint now) {
  probe_in_flight_ = true;
  probe_deadline_ = now + settings_.interval;
  next_probe_at_ = now + settings_.interval;
  return probe_deadline_;
}

MonitorStateMachine::Transition MonitorStateMachine::finish_probe(bool answered, TimePoint now) {
  probe_in_flight_ = false;
  // A probe that failed early (refused at once) waits for the next turn; one that used its
  // whole deadline is followed by the next one at once (next_probe_at_ is then already due).
  next_probe_at_ = std::max(next_probe_at_, now);
  if (answered) {
    failures_ = 0;
    if (dead_) {
      dead_ = false;
      return Transition::kBecameAlive;
    }
    return Transition::kNone;
  }
  if (!active_) return Transition::kNone;  // no long call any more: the result is moot
  ++failures_;
  if (failures_ >= settings_.count && !dead_) {
    dead_ = true;
    return Transition::kBecameDead;
  }
  return Transition::kNone;
}

MonitorStateMachine::TimePoint MonitorStateMachine::next_event(TimePoint now) const noexcept {
  TimePoint next = TimePoint::max();
  if (probe_in_flight_) next = std::min(next, probe_deadline_);
  if (active_ && !probe_in_flight_) next = std::min(next, next_probe_at_);
  // When the oldest call becomes long (already past when it is long: then the probes drive).
  if (oldest_call_start_ && *oldest_call_start_ + settings_.detection_time > now)
    next = std::min(next, *oldest_call_start_ + settings_.detection_time);
  if (!call_in_flight_) next = std::min(next, last_used_ + settings_.disposal);
  return std::max(next, now);
}

}  // namespace awrap::internal
