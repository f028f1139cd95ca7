// The registry cluster_id -> TopologyMonitor, a service of the Runtime. Weak references only: a
// monitor stops (and joins its threads) when the last Connection using it lets go.
#include <map>
#include <optional>

#include "base/process_fork.hpp"
#include "base/runtime.hpp"
#include "base/thread_annotations.hpp"
#include "base/time_source.hpp"
#include "topology/topology_monitor.hpp"

namespace awrap::internal {
namespace {

class TopologyMonitorRegistry {
 public:
  explicit TopologyMonitorRegistry(internal::Runtime& runtime)
      : time_(runtime.get<internal::TimeSource>()) {
    // fork(): holding the mutex across it means the child never inherits it locked, and the
    // child must not adopt the parent's monitors (their threads are not in the child).
    fork_handlers_.emplace(ForkHandlers::Hooks{.prepare = [this] { lock_before_fork(); },
                                               .parent = [this] { unlock_in_parent(); },
                                               .child = [this] { forget_monitors_in_child(); }});
  }
  ~TopologyMonitorRegistry() { fork_handlers_.reset(); }
  TopologyMonitorRegistry(const TopologyMonitorRegistry&) = delete;
  TopologyMonitorRegistry& operator=(const TopologyMonitorRegistry&) = delete;

  std::shared_ptr<TopologyMonitor> acquire(const TopologyMonitorConfig& config) {
    MutexLock lock(mutex_);
    auto& slot = monitors_[config.cluster_id];
    if (auto existing = slot.lock()) return existing;
    auto monitor = std::make_shared<TopologyMonitor>(config, time_);
    slot = monitor;
    return monitor;
  }

  std::shared_ptr<TopologyMonitor> find(const std::string& cluster_id) {
    MutexLock lock(mutex_);
    auto it = monitors_.find(cluster_id);
    return it == monitors_.end() ? nullptr : it->second.lock();
  }

  int live() {
    MutexLock lock(mutex_);
    int n = 0;
    for (auto it = monitors_.begin(); it != monitors_.end();) {
      if (it->second.expired()) {
        it = monitors_.erase(it);
      } else {
        ++n;
        ++it;
      }
    }
    return n;
  }

 private:
  void lock_before_fork() NO_THREAD_SAFETY_ANALYSIS { mutex_.lock(); }
  void unlock_in_parent() NO_THREAD_SAFETY_ANALYSIS { mutex_.unlock(); }
  void forget_monitors_in_child() NO_THREAD_SAFETY_ANALYSIS {
    monitors_.clear();  // weak references: no monitor is destroyed here
    mutex_.unlock();
  }

  // Made before the registry, so it outlives the registry's monitors (the Connections holding
  // a monitor hold the Runtime too).
  internal::TimeSource& time_;
  Mutex mutex_;
  std::map<std::string, std::weak_ptr<TopologyMonitor>> monitors_ GUARDED_BY(mutex_);
  std::optional<ForkHandlers> fork_handlers_;
};

}  // namespace

std::shared_ptr<TopologyMonitor> acquire_topology_monitor(internal::Runtime& runtime,
                                                          const TopologyMonitorConfig& config) {
  return runtime.get<TopologyMonitorRegistry>().acquire(config);
}

std::shared_ptr<TopologyMonitor> find_topology_monitor(internal::Runtime& runtime,
                                                       const std::string& cluster_id) {
  return runtime.get<TopologyMonitorRegistry>().find(cluster_id);
}

int live_topology_monitors(internal::Runtime& runtime) {
  auto* registry = runtime.find<TopologyMonitorRegistry>();
  return registry ? registry->live() : 0;
}

}  // namespace awrap::internal
