#include "base/process_fork.hpp"

#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>

namespace awrap {
namespace {

std::atomic<std::uint64_t> generation{0};

void bump_in_child() noexcept {
  generation.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

std::uint64_t fork_generation() noexcept {
  // Registered on first use: an object made before that cannot exist, since it asks here first.
  static const bool registered = [] {
    ::pthread_atfork(nullptr, nullptr, bump_in_child);
    return true;
  }();
  (void)registered;
  return generation.load(std::memory_order_relaxed);
}

void detach_inherited_socket(int fd) noexcept {
  if (fd < 0) return;
  const int fresh = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fresh < 0) return;
  ::dup2(fresh, fd);
  ::close(fresh);
}

}  // namespace awrap
