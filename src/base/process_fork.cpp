#include "base/process_fork.hpp"

#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>

#include "base/no_destructor.hpp"
#include "base/thread_annotations.hpp"

namespace awrap::internal {
namespace {

std::atomic<std::uint64_t> generation{0};

void bump_in_child() noexcept {
  generation.fetch_add(1, std::memory_order_relaxed);
}

// The handlers of the live objects. The list itself is process-wide because fork() is: it holds
// no awrap state, only what live services registered. Never destroyed (a Runtime held by a static
// object may end after every other static).
class HandlerList {
 public:
  static HandlerList& get() {
    static NoDestructor<HandlerList> list;
    static const bool registered = ::pthread_atfork(prepare_all, parent_all, child_all) == 0;
    (void)registered;
    return list.get();
  }

  std::uint64_t add(ForkHandlers::Hooks hooks) {
    MutexLock lock(mutex_);
    const std::uint64_t id = ++last_id_;
    hooks_.emplace(id, std::move(hooks));
    return id;
  }
  void remove(std::uint64_t id) {
    MutexLock lock(mutex_);
    hooks_.erase(id);
  }

 private:
  // The list's mutex is held from prepare to parent/child: nothing registers in between.
  static void prepare_all() NO_THREAD_SAFETY_ANALYSIS {
    auto& self = get();
    self.mutex_.lock();
    // Last registered first, as pthread_atfork orders prepare handlers.
    for (auto it = self.hooks_.rbegin(); it != self.hooks_.rend(); ++it)
      if (it->second.prepare) it->second.prepare();
  }
  static void parent_all() NO_THREAD_SAFETY_ANALYSIS {
    auto& self = get();
    for (auto& [id, hooks] : self.hooks_)
      if (hooks.parent) hooks.parent();
    self.mutex_.unlock();
  }
  static void child_all() NO_THREAD_SAFETY_ANALYSIS {
    auto& self = get();
    for (auto& [id, hooks] : self.hooks_)
      if (hooks.child) hooks.child();
    self.mutex_.unlock();
  }

  Mutex mutex_;
  std::uint64_t last_id_ GUARDED_BY(mutex_) = 0;
  std::map<std::uint64_t, ForkHandlers::Hooks> hooks_ GUARDED_BY(mutex_);
};

}  // namespace

ForkHandlers::ForkHandlers(Hooks hooks) : id_(HandlerList::get().add(std::move(hooks))) {}

ForkHandlers::~ForkHandlers() {
  HandlerList::get().remove(id_);
}

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

}  // namespace awrap::internal
