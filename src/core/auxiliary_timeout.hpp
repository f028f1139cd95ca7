// Deadlines for awrap's own queries (writer check, dialect detection, topology, instance id,
// session-state restore) on connections the application may also use: they run with
// auxiliary_query_timeout_sec, never with the application's socket_timeout (default: none).
//
//   {
//     ScopedSocketTimeout bound(connection, std::chrono::seconds(5));
//     dialect.is_writer(connection);  // waits at most 5 s for each answer
//   }                                 // the application's socket_timeout is back
#pragma once

#include <algorithm>
#include <chrono>

#include "awrap/ext/target_driver.hpp"

namespace awrap::internal {

// The tighter of two wait budgets, where zero stands for "no limit".
inline std::chrono::milliseconds tighter_timeout(std::chrono::milliseconds a,
                                                 std::chrono::milliseconds b) {
  if (a.count() <= 0) return b;
  if (b.count() <= 0) return a;
  return std::min(a, b);
}

// What is left from `now` until `deadline`, rounded up and at least 1 ms: a budget that ran out
// must never turn into zero, which the drivers read as "wait forever". Both on the same clock
// (the Runtime's TimeSource for deadlines awrap sets itself).
inline std::chrono::milliseconds time_left(std::chrono::steady_clock::time_point deadline,
                                           std::chrono::steady_clock::time_point now) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
  return std::max(left, std::chrono::milliseconds(1));
}

// Tightens `connection`'s socket_timeout to `limit` while it lives; restores the previous value.
class ScopedSocketTimeout {
 public:
  ScopedSocketTimeout(TargetConnection& connection, std::chrono::milliseconds limit)
      : connection_(connection), previous_(connection.socket_timeout()) {
    connection_.set_socket_timeout(tighter_timeout(previous_, limit));
  }
  ~ScopedSocketTimeout() { connection_.set_socket_timeout(previous_); }
  ScopedSocketTimeout(const ScopedSocketTimeout&) = delete;
  ScopedSocketTimeout& operator=(const ScopedSocketTimeout&) = delete;

 private:
  TargetConnection& connection_;
  std::chrono::milliseconds previous_;
};

}  // namespace awrap::internal
