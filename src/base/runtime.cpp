#include "base/runtime.hpp"

namespace awrap::internal {
namespace {

// The one process-wide pointer. Destroyed at exit, which only lets go of the process's reference:
// a Runtime still held by a Connection (a static Pool, say) ends with that Connection.
struct ProcessRuntime {
  void lock_before_fork() NO_THREAD_SAFETY_ANALYSIS { mutex.lock(); }
  void unlock_after_fork() NO_THREAD_SAFETY_ANALYSIS { mutex.unlock(); }

  Mutex mutex;
  std::shared_ptr<Runtime> current GUARDED_BY(mutex);
  // A child never inherits the mutex locked (every new Connection takes it).
  ForkHandlers fork_handlers{{.prepare = [this] { lock_before_fork(); },
                              .parent = [this] { unlock_after_fork(); },
                              .child = [this] { unlock_after_fork(); }}};
};

ProcessRuntime& process_runtime() {
  static ProcessRuntime holder;
  return holder;
}

}  // namespace

Runtime::Runtime()
    : fork_handlers_({.prepare = [this] { lock_before_fork(); },
                      .parent = [this] { unlock_after_fork(); },
                      .child = [this] { unlock_after_fork(); }}) {}

Runtime::~Runtime() {
  // Each step outside the mutex: a service shutting down or being destroyed may still find the
  // services created before it (they exist until their turn).
  std::vector<std::function<void()>> shutdowns;
  {
    MutexLock lock(mutex_);
    for (auto it = services_.rbegin(); it != services_.rend(); ++it)
      if (it->shutdown) shutdowns.push_back(it->shutdown);
  }
  for (auto& shutdown : shutdowns) shutdown();
  while (true) {
    std::shared_ptr<void> last;
    {
      MutexLock lock(mutex_);
      if (services_.empty()) break;
      last = std::move(services_.back().service);
      services_.pop_back();
    }
    last.reset();
  }
}

// A Runtime is made outside the holder's mutex: making one registers fork handlers, and the fork
// prepare handler takes the list's mutex before this one.
std::shared_ptr<Runtime> Runtime::process() {
  auto& holder = process_runtime();
  {
    MutexLock lock(holder.mutex);
    if (holder.current) return holder.current;
  }
  auto fresh = std::make_shared<Runtime>();  // before `lock`: a spare one ends after the unlock
  MutexLock lock(holder.mutex);
  if (!holder.current) holder.current = std::move(fresh);
  return holder.current;
}

void Runtime::reset_for_tests() {
  auto fresh = std::make_shared<Runtime>();
  std::shared_ptr<Runtime> previous;  // may be the last reference: it ends after the unlock
  auto& holder = process_runtime();
  MutexLock lock(holder.mutex);
  previous = std::exchange(holder.current, std::move(fresh));
}

std::size_t Runtime::size() const {
  MutexLock lock(mutex_);
  return services_.size();
}

void* Runtime::lookup(Key key) const {
  MutexLock lock(mutex_);
  for (const auto& entry : services_)
    if (entry.key == key) return entry.service.get();
  return nullptr;
}

void* Runtime::store(Key key, std::shared_ptr<void> service, std::function<void()> shutdown) {
  std::shared_ptr<void> spare;  // one another thread stored first: destroyed without the mutex
  MutexLock lock(mutex_);
  for (const auto& entry : services_)
    if (entry.key == key) {
      spare = std::move(service);  // declared before `lock`: destroyed after the unlock
      return entry.service.get();
    }
  services_.push_back({key, service, std::move(shutdown)});
  return service.get();
}

}  // namespace awrap::internal
