// The wall clock that AWS code reads (signing times, credential and token expiry), injected so
// tests can move time without waiting.
//
//   auto clock = aws::system_clock();
//   auto now = clock->now();
//
// Thread-safety: implementations must allow concurrent now() calls.
#pragma once

#include <chrono>
#include <memory>

namespace awrap::internal::aws {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
};

// The process's real clock (std::chrono::system_clock). Shared, never null.
std::shared_ptr<const Clock> system_clock();

}  // namespace awrap::internal::aws
