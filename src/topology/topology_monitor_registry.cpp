// The process-wide registry cluster_id -> TopologyMonitor. Weak references only: a monitor stops
// (and joins its threads) when the last Connection using it lets go.
#include <pthread.h>

#include <map>
#include <mutex>

#include "base/thread_annotations.hpp"
#include "topology/topology_monitor.hpp"

namespace awrap {
namespace {

struct MonitorRegistry {
  Mutex mutex;
  std::map<std::string, std::weak_ptr<TopologyMonitor>> monitors GUARDED_BY(mutex);
};

MonitorRegistry& registry();

// fork(): holding the mutex across it means the child never inherits it locked, and the child
// must not adopt the parent's monitors (their threads are not in the child).
void lock_before_fork() NO_THREAD_SAFETY_ANALYSIS {
  registry().mutex.lock();
}
void unlock_in_parent() NO_THREAD_SAFETY_ANALYSIS {
  registry().mutex.unlock();
}
void forget_parents_monitors_in_child() NO_THREAD_SAFETY_ANALYSIS {
  registry().monitors.clear();  // weak references: no monitor is destroyed here
  registry().mutex.unlock();
}

MonitorRegistry& registry() {
  static MonitorRegistry instance;
  static const bool fork_handlers_registered =
      ::pthread_atfork(lock_before_fork, unlock_in_parent, forget_parents_monitors_in_child) == 0;
  (void)fork_handlers_registered;
  return instance;
}

}  // namespace

std::shared_ptr<TopologyMonitor> acquire_topology_monitor(const TopologyMonitorConfig& config) {
  MutexLock lock(registry().mutex);
  auto& slot = registry().monitors[config.cluster_id];
  if (auto existing = slot.lock()) return existing;
  auto monitor = std::make_shared<TopologyMonitor>(config);
  slot = monitor;
  return monitor;
}

std::shared_ptr<TopologyMonitor> find_topology_monitor(const std::string& cluster_id) {
  MutexLock lock(registry().mutex);
  auto it = registry().monitors.find(cluster_id);
  return it == registry().monitors.end() ? nullptr : it->second.lock();
}

int live_topology_monitors() {
  MutexLock lock(registry().mutex);
  int n = 0;
  for (auto it = registry().monitors.begin(); it != registry().monitors.end();) {
    if (it->second.expired()) {
      it = registry().monitors.erase(it);
    } else {
      ++n;
      ++it;
    }
  }
  return n;
}

}  // namespace awrap
