#include "driver/pg/pg_socket_wait.hpp"

#include <poll.h>

#include <cerrno>
#include <climits>

namespace awrap::internal::pg {

Deadline deadline_after(std::chrono::milliseconds budget) {
  if (budget <= std::chrono::milliseconds::zero()) return std::nullopt;
  return std::chrono::steady_clock::now() + budget;
}

SocketWaitResult wait_for_socket(int socket, bool want_read, bool want_write, Deadline deadline) {
  pollfd entry{};
  entry.fd = socket;
  entry.events = static_cast<short>((want_read ? POLLIN : 0) | (want_write ? POLLOUT : 0));
  for (;;) {
    int timeout_ms = -1;
    if (deadline) {
      auto remaining = *deadline - std::chrono::steady_clock::now();
      if (remaining <= std::chrono::steady_clock::duration::zero()) {
        return SocketWaitResult::kTimedOut;
      }
      // Round up so a wait never ends just before the deadline and spins on a zero timeout.
      auto remaining_ms = std::chrono::ceil<std::chrono::milliseconds>(remaining).count();
      timeout_ms = remaining_ms > INT_MAX ? INT_MAX : static_cast<int>(remaining_ms);
    }
    entry.revents = 0;
    int ready = ::poll(&entry, 1, timeout_ms);
    if (ready > 0) {
      return (entry.revents & POLLNVAL) != 0 ? SocketWaitResult::kFailed : SocketWaitResult::kReady;
    }
    if (ready == 0) {
      if (deadline && std::chrono::steady_clock::now() < *deadline) continue;
      return SocketWaitResult::kTimedOut;
    }
    if (errno != EINTR) return SocketWaitResult::kFailed;
  }
}

}  // namespace awrap::internal::pg
