// A TimeSource (src/base/time_source.hpp) for unit tests: time moves only when a thread sleeps or
// waits on it, or a test advances it, and then it jumps, so a loop that waits seconds in fake time
// runs in microseconds. Time never goes back: several threads may sleep on it at once.
//
//   auto time = std::make_shared<FakeTimeSource>();
//   FakeTimeRuntime runtime(time);  // Connections opened from now on run on `time`
//   ... open a Connection, fail it over ...
//   EXPECT_EQ(time->elapsed(), std::chrono::seconds(5));
//
// A timed wait on a condition variable gives the threads that could end it (a topology monitor's
// probers, which run in real time) `grace` of real time; if none does, the wait lasts until its
// deadline, which is what the fake clock then reads.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <utility>

#include "base/runtime.hpp"
#include "base/time_source.hpp"

namespace awrap::internal::testing {

class FakeTimeSource final : public internal::TimeSource {
 public:
  // Far from the steady clock's epoch: a default time_point means "never" to the code under test.
  static constexpr TimePoint kStart{std::chrono::hours(1000)};

  explicit FakeTimeSource(std::chrono::milliseconds grace = std::chrono::milliseconds(2))
      : grace_(grace) {}

  TimePoint now() const override { return TimePoint(TimePoint::duration(now_.load())); }
  void sleep_until(TimePoint until) override {
    auto target = until.time_since_epoch().count();
    auto seen = now_.load();
    while (seen < target && !now_.compare_exchange_weak(seen, target)) {
    }
  }
  bool wait_until(std::condition_variable_any& changed, MutexLock& lock, TimePoint deadline,
                  const std::function<bool()>& woken) override {
    if (woken()) return true;
    if (now() >= deadline) return false;
    if (changed.wait_for(lock, grace_, woken)) return true;
    sleep_until(deadline);
    return woken();
  }

  void advance(std::chrono::steady_clock::duration by) { sleep_until(now() + by); }
  // Fake time since construction.
  std::chrono::steady_clock::duration elapsed() const { return now() - kStart; }

 private:
  const std::chrono::milliseconds grace_;
  std::atomic<TimePoint::rep> now_{kStart.time_since_epoch().count()};
};

// While it lives, the process's Runtime (the one Connections are opened under) is a fresh one on
// `time`; afterwards a fresh real one. Connections still open keep the Runtime they were opened
// under.
class FakeTimeRuntime {
 public:
  explicit FakeTimeRuntime(std::shared_ptr<FakeTimeSource> time) {
    internal::Runtime::reset_for_tests();
    internal::Runtime::process()->provide<internal::TimeSource>(std::move(time));
  }
  ~FakeTimeRuntime() { internal::Runtime::reset_for_tests(); }
  FakeTimeRuntime(const FakeTimeRuntime&) = delete;
  FakeTimeRuntime& operator=(const FakeTimeRuntime&) = delete;
};

}  // namespace awrap::internal::testing
