// A settable wall clock for AWS code (credential and token expiry) in tests.
#pragma once

#include <atomic>
#include <chrono>

#include "aws/clock.hpp"

namespace awrap::internal::testing {

class FakeAwsClock final : public awrap::internal::aws::Clock {
 public:
  explicit FakeAwsClock(std::chrono::system_clock::time_point start =
                            std::chrono::sys_days{std::chrono::year{2024} / 1 / 15})
      : now_(start.time_since_epoch().count()) {}
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(std::chrono::system_clock::duration(now_.load()));
  }
  void advance(std::chrono::system_clock::duration by) { now_ += by.count(); }

 private:
  std::atomic<std::chrono::system_clock::rep> now_;
};

}  // namespace awrap::internal::testing
