// Waiting on a libpq socket with a deadline.
//
// libpq's blocking calls wait without a limit; awrap drives libpq's non-blocking API and waits
// here instead, so connect_timeout and socket_timeout hold and an abort() (shutdown of the socket
// by another thread) wakes the wait at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace awrap::internal::pg {

using Deadline = std::optional<std::chrono::steady_clock::time_point>;

// A deadline `budget` from now; nullopt (no limit) for a zero or negative budget.
Deadline deadline_after(std::chrono::milliseconds budget);

enum class SocketWaitResult : std::uint8_t {
  kReady,     // readable or writable as asked, or the socket reported an error/hang-up (the next
              // libpq call will find out which)
  kTimedOut,  // the deadline passed first
  kFailed,    // poll() itself failed (bad descriptor …)
};

// Waits until `socket` is readable (want_read) or writable (want_write). Restarts after signals
// with the remaining time. Thread-safe (no shared state).
SocketWaitResult wait_for_socket(int socket, bool want_read, bool want_write, Deadline deadline);

}  // namespace awrap::internal::pg
