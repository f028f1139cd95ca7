// Drives one operation of Connector/C's non-blocking API to completion within a time budget.
//
//   int error = 0;
//   const WaitBudget budget = WaitBudget::per_wait(std::chrono::milliseconds(500));
//   bool finished = run_nonblocking(
//       handle, budget, [&] { return mysql_real_query_start(&error, handle, sql, length); },
//       [&](int ready) { return mysql_real_query_cont(&error, handle, ready); });
//
// Why: the blocking API's timeouts are whole seconds and cannot be stopped from outside; the
// non-blocking API lets awrap poll() the socket itself with any deadline, and a socket shut down
// by abort() from another thread wakes the poll at once.
//
// On budget expiry the operation is abandoned: the socket is shut down and the operation is run
// to its (failed) end, so Connector/C holds no half-finished state and mysql_close is safe. The
// session is then unusable and run_nonblocking returns false.
#pragma once

#include <chrono>
#include <optional>

#include <mysql.h>

namespace awrap::internal::mysql {

class WaitBudget {
 public:
  using Clock = std::chrono::steady_clock;
  // No limit of awrap's own (Connector/C's own timeouts, if any, still apply).
  static WaitBudget unlimited() { return WaitBudget(); }
  // The whole operation must end by deadline (connect).
  static WaitBudget until(Clock::time_point deadline) {
    WaitBudget budget;
    budget.deadline_ = deadline;
    return budget;
  }
  // Each single wait for the server may last at most limit (socket_timeout). Zero: unlimited.
  static WaitBudget per_wait(std::chrono::milliseconds limit) {
    WaitBudget budget;
    if (limit.count() > 0) budget.per_wait_ = limit;
    return budget;
  }
  // Milliseconds the next wait may take (-1: no limit), or 0 when the budget is spent.
  int next_wait_ms() const noexcept;

 private:
  std::optional<Clock::time_point> deadline_;
  std::optional<std::chrono::milliseconds> per_wait_;
};

// Waits for what a non-blocking call asked for (MYSQL_WAIT_* mask). Returns the MYSQL_WAIT_*
// events that happened, or 0 when the budget ran out first.
int wait_for_socket(MYSQL* handle, int wanted, const WaitBudget& budget) noexcept;

// Shuts the socket down and runs the suspended operation to its end (see above).
template <typename Continue>
void abandon_operation(MYSQL* handle, int status, Continue&& resume) noexcept;

// Returns true when the operation finished (successfully or with an error the caller reads from
// the handle), false when the budget ran out and the operation was abandoned.
template <typename Start, typename Continue>
bool run_nonblocking(MYSQL* handle, const WaitBudget& budget, Start&& start, Continue&& resume) {
  int status = start();
  while (status != 0) {
    const int ready = wait_for_socket(handle, status, budget);
    if (ready == 0) {
      abandon_operation(handle, status, resume);
      return false;
    }
    status = resume(ready);
  }
  return true;
}

void shut_down_socket(MYSQL* handle) noexcept;

template <typename Continue>
void abandon_operation(MYSQL* handle, int status, Continue&& resume) noexcept {
  shut_down_socket(handle);
  // Every read now returns end-of-file and every write fails at once, so a few rounds end the
  // operation; the bound only guards against a driver that keeps asking.
  for (int round = 0; status != 0 && round < 1000; ++round)
    status = resume(MYSQL_WAIT_READ | MYSQL_WAIT_WRITE);
}

}  // namespace awrap::internal::mysql
