// Waiting on an observable condition instead of sleeping a fixed time.
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <thread>

namespace awrap::internal::testing {

// True as soon as `check` returns true (an exception counts as "not yet"); false when it has not
// by `timeout`. Polls every `poll` (50 ms: most checks ask a server) and once more at the
// deadline.
inline bool eventually(const std::function<bool()>& check,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10),
                       std::chrono::milliseconds poll = std::chrono::milliseconds(50)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (check()) return true;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(poll);
  }
  try {
    return check();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace awrap::internal::testing
