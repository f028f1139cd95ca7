#include "base/time_source.hpp"

#include <thread>

namespace awrap::internal {

TimeSource::TimePoint TimeSource::now() const {
  return std::chrono::steady_clock::now();
}

void TimeSource::sleep_until(TimePoint until) {
  std::this_thread::sleep_until(until);
}

bool TimeSource::wait_until(std::condition_variable_any& changed, MutexLock& lock,
                            TimePoint deadline, const std::function<bool()>& woken) {
  return changed.wait_until(lock, deadline, woken);
}

}  // namespace awrap::internal
