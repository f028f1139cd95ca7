#include "driver/mysql/mysql_nonblocking.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace awrap::internal::mysql {

int WaitBudget::next_wait_ms() const noexcept {
  using std::chrono::ceil;
  using std::chrono::milliseconds;
  long long limit = -1;
  if (per_wait_) limit = per_wait_->count();
  if (deadline_) {
    const auto left = ceil<milliseconds>(*deadline_ - Clock::now()).count();
    const long long left_ms = std::max<long long>(left, 0);
    limit = limit < 0 ? left_ms : std::min(limit, left_ms);
  }
  return static_cast<int>(std::min<long long>(limit, INT_MAX));
}

int wait_for_socket(MYSQL* handle, int wanted, const WaitBudget& budget) noexcept {
  pollfd descriptor{};
  descriptor.fd = static_cast<int>(mysql_get_socket(handle));
  if (wanted & MYSQL_WAIT_READ) descriptor.events |= POLLIN;
  if (wanted & MYSQL_WAIT_WRITE) descriptor.events |= POLLOUT;
  if (wanted & MYSQL_WAIT_EXCEPT) descriptor.events |= POLLPRI;

  constexpr int kReadWrite = MYSQL_WAIT_READ | MYSQL_WAIT_WRITE;
  for (;;) {
    const int our_limit = budget.next_wait_ms();
    if (our_limit == 0) return 0;
    // Connector/C may ask for a timeout of its own (its connect/read timeouts); wait for the
    // shorter of the two and tell it when its own fired.
    const int driver_limit =
        (wanted & MYSQL_WAIT_TIMEOUT) ? static_cast<int>(mysql_get_timeout_value_ms(handle)) : -1;
    const bool driver_first = driver_limit >= 0 && (our_limit < 0 || driver_limit < our_limit);
    const int rc = poll(&descriptor, 1, driver_first ? driver_limit : our_limit);
    if (rc < 0) {
      if (errno == EINTR) continue;
      // A broken descriptor: let the driver find out by trying to read or write.
      return (wanted & kReadWrite) != 0 ? wanted & kReadWrite : MYSQL_WAIT_READ;
    }
    if (rc == 0) return driver_first ? MYSQL_WAIT_TIMEOUT : 0;
    int ready = 0;
    if (descriptor.revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) ready |= MYSQL_WAIT_READ;
    if (descriptor.revents & (POLLOUT | POLLHUP | POLLERR | POLLNVAL)) ready |= MYSQL_WAIT_WRITE;
    if (descriptor.revents & POLLPRI) ready |= MYSQL_WAIT_EXCEPT;
    return ready;
  }
}

void shut_down_socket(MYSQL* handle) noexcept {
  const auto fd = mysql_get_socket(handle);
  if (fd != MARIADB_INVALID_SOCKET) ::shutdown(static_cast<int>(fd), SHUT_RDWR);
}

}  // namespace awrap::internal::mysql
