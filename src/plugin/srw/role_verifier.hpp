// Opening a connection of a given role (writer or reader) within a time limit: connect, ask the
// server its role, and try again after an interval until the role fits or the time is up
// (srw_verify_new_connections, srw_connect_retry_timeout_ms, srw_connect_retry_interval_ms).
//
//   RoleVerifySteps steps{.connect = ..., .is_writer = ..., .now = ..., .sleep_until = ...};
//   VerifiedConnection found = connect_with_role(HostRole::kReader, 6000ms, 100ms, steps);
//   if (!found.connection) log(found.last_problem);
//
// The clock and the sleep are injected, so the loop is tested with a fake clock. Every wait is
// bounded by the deadline: connect and is_writer receive it and must not outlive it, and the
// pause between attempts is cut to it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "awrap/ext/target_driver.hpp"
#include "awrap/host_info.hpp"

namespace awrap::internal::plugin::srw {

using Clock = std::chrono::steady_clock;

struct RoleVerifySteps {
  // Opens one physical connection, finished by the deadline. Throws awrap errors.
  std::function<std::unique_ptr<TargetConnection>(Clock::time_point deadline)> connect;
  // Whether the connection's server is the writer, answered by the deadline. Throws awrap errors.
  std::function<bool(TargetConnection&, Clock::time_point deadline)> is_writer;
  std::function<Clock::time_point()> now = [] { return Clock::now(); };
  std::function<void(Clock::time_point)> sleep_until;  // default: std::this_thread::sleep_until
};

struct VerifiedConnection {
  std::unique_ptr<TargetConnection> connection;  // null: none of the right role in time
  int attempts = 0;
  std::string last_problem;  // why the last attempt did not fit (no secrets: error messages)
  // Attempts that reached a server of the other role, and the last such finding: the usual root
  // cause, which a last attempt cut short by the deadline would otherwise hide.
  int wrong_role_attempts = 0;
  std::string wrong_role;
};

// Tries at least once. An AuthError or ConfigError ends the search at once (it is thrown: trying
// again cannot help); any other awrap error, or the wrong role, is retried while time is left.
// A connection of the wrong role is closed before the next attempt.
VerifiedConnection connect_with_role(HostRole wanted, std::chrono::milliseconds timeout,
                                     std::chrono::milliseconds interval,
                                     const RoleVerifySteps& steps);

}  // namespace awrap::internal::plugin::srw
