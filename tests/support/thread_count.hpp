// Threads of this process, from /proc (tests compare counts before and after).
#pragma once

#include <chrono>
#include <filesystem>
#include <thread>

namespace awrap::internal::testing {

inline int process_thread_count() {
  // ThreadSanitizer's runtime starts a background thread of its own at the first pthread_create;
  // make that happen before anyone takes a baseline.
  static const bool warmed_up = [] {
    std::thread([] {}).join();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return true;
  }();
  (void)warmed_up;
  int n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task"))
    ++n;
  return n;
}

// Waits (bounded) for the thread count to drop to `expected`; returns the last count seen.
inline int wait_for_thread_count(int expected,
                                 std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  int n = process_thread_count();
  while (n > expected && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    n = process_thread_count();
  }
  return n;
}

}  // namespace awrap::internal::testing
