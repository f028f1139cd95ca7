// The monotonic time that awrap's decisions read and its loops wait on: failover, topology
// waits, initial_connection retries, host availability, read-consistency polls. Injected, so
// those loops run on a fake clock in unit tests (tests/support/fake_time_source.hpp) in
// milliseconds instead of the seconds their timeouts name.
//
// A service of the Runtime (base/runtime.hpp): code reaches the time of the Runtime it belongs to,
// never a global.
//
//   TimeSource& time = runtime.get<TimeSource>();  // the real clock unless a test provided one
//   auto deadline = time.now() + std::chrono::seconds(5);
//   time.sleep_until(std::min(deadline, time.now() + pause));
//
// A test gives a fresh Runtime its fake before anything asks for the time:
//
//   runtime.provide<TimeSource>(std::make_shared<testing::FakeTimeSource>());
//
// Thread safety: every member may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>

#include "base/thread_annotations.hpp"

namespace awrap::internal {

class TimeSource {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  virtual ~TimeSource() = default;

  // std::chrono::steady_clock::now().
  virtual TimePoint now() const;
  // Returns at `until` (at once when it has passed).
  virtual void sleep_until(TimePoint until);
  // Waits on `changed` (with `lock` held on entry and on return) until `woken()` holds or
  // `deadline` passes; returns woken(). REQUIRES: whoever makes woken() true notifies `changed`.
  virtual bool wait_until(std::condition_variable_any& changed, MutexLock& lock, TimePoint deadline,
                          const std::function<bool()>& woken);
};

}  // namespace awrap::internal
