// fork() awareness. A child process inherits copies of awrap's sockets but none of its threads:
// a session opened by the parent must not be used, or even closed with a goodbye message, by the
// child (that would end the parent's session), and process-wide services must start their
// threads again in the child. See docs/architecture.md ("fork()").
#pragma once

#include <cstdint>
#include <functional>

namespace awrap::internal {

// Changes in the child of every fork() (a pthread_atfork child handler) and never otherwise:
// an object that records it when made can tell whether it belongs to this process. Lock-free.
std::uint64_t fork_generation() noexcept;

// Makes `fd`, a socket this process inherited, refer to a fresh unconnected socket instead, so a
// driver's close sends nothing and the parent's connection is untouched (shutdown() would end
// it for both processes). The descriptor number stays valid until the driver closes it.
void detach_inherited_socket(int fd) noexcept;

// What an object does around every fork() while it exists: `prepare` in the parent just before
// (take the mutex its threads take, so the child never inherits it locked), `parent` in the
// parent and `child` in the child just after (release it; in the child, also give up the
// threads, which the child does not have). Registered for the lifetime of this handle, so every
// instance of a service (one per Runtime) has its own; pthread_atfork itself is called once.
// Handlers run in no particular order relative to other objects' and must not fork, register or
// unregister. The handle must not be destroyed while its owner holds what `prepare` takes.
class ForkHandlers {
 public:
  struct Hooks {
    std::function<void()> prepare;
    std::function<void()> parent;
    std::function<void()> child;
  };
  explicit ForkHandlers(Hooks hooks);
  ~ForkHandlers();
  ForkHandlers(const ForkHandlers&) = delete;
  ForkHandlers& operator=(const ForkHandlers&) = delete;

 private:
  std::uint64_t id_;
};

}  // namespace awrap::internal
