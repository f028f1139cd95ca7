#include "plugin/monitor_loop.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include "base/logging.hpp"
#include "base/process_fork.hpp"
#include "base/runtime.hpp"
#include "base/thread_annotations.hpp"
#include "core/host_availability.hpp"

namespace awrap::internal {
namespace {

using Clock = std::chrono::steady_clock;

// The registry of tasks and the one event-loop thread that drives them: a service of the Runtime.
class MonitorService {
 public:
  explicit MonitorService(internal::Runtime& runtime) {
    // The services the loop's tasks use are made first, so they are destroyed after this one.
    runtime.get<HostAvailabilityRegistry>();
    AWRAP_LOG(kDebug) << "monitor loop service ready";
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    // fork(): holding mutex_ across it means no child inherits it locked by the loop thread;
    // the child then starts over without the parent's loop (start_over_in_child).
    fork_handlers_.emplace(ForkHandlers::Hooks{.prepare = [this] { lock_before_fork(); },
                                               .parent = [this] { unlock_in_parent(); },
                                               .child = [this] { start_over_in_child(); }});
  }
  void lock_before_fork() NO_THREAD_SAFETY_ANALYSIS { mutex_.lock(); }
  void unlock_in_parent() NO_THREAD_SAFETY_ANALYSIS { mutex_.unlock(); }
  MonitorService(const MonitorService&) = delete;
  MonitorService& operator=(const MonitorService&) = delete;

  ~MonitorService() { shutdown(); }

  // Stops and joins the loop (the Runtime calls it before destroying any service, so no task is
  // stepped while the services it uses go away). Tasks still referenced stay valid, undriven.
  void shutdown() {
    fork_handlers_.reset();  // first: a fork() from now on leaves this service alone
    std::thread loop;
    {
      MutexLock lock(mutex_);
      stopping_ = true;
      loop = std::move(thread_);
    }
    wake();
    if (loop.joinable()) loop.join();
    // The loop closed every task's sessions on its way out; tasks still referenced by live
    // Connections stay valid (they are only no longer driven).
    if (wake_fd_ >= 0) ::close(wake_fd_);
    wake_fd_ = -1;
  }

  std::shared_ptr<LoopTask> acquire(const std::string& key,
                                    const std::function<std::shared_ptr<LoopTask>()>& make,
                                    const std::function<void(LoopTask&)>& on_acquired) {
    std::shared_ptr<LoopTask> task;
    {
      MutexLock lock(mutex_);
      auto& slot = tasks_[key];
      if (!slot || slot->disposed()) slot = make();
      task = slot;
      task->touch();  // under the mutex the loop disposes under: never disposed right now
      if (on_acquired) on_acquired(*task);
      if (!running_ && !stopping_) {
        if (thread_.joinable()) thread_.join();  // a loop that ended: it no longer takes the mutex
        thread_ = std::thread([this] { run(); });  // it waits for the mutex we hold
        running_ = true;                           // only once a thread really runs
      }
    }
    wake();
    return task;
  }

  // In a fork() child, with mutex_ held since the prepare handler and no other thread running.
  void start_over_in_child() NO_THREAD_SAFETY_ANALYSIS {
    // The loop thread does not exist here, and its id is the parent's: the std::thread must be
    // neither joined nor detached, so its handle is given up on purpose. The parent's tasks
    // (and their sessions, which are the parent's sockets) are given up the same way: nothing is
    // sent on them, and the child's Connections get monitors of their own.
    if (thread_.joinable()) (void)std::make_unique<std::thread>(std::move(thread_)).release();
    (void)std::make_unique<decltype(tasks_)>(std::move(tasks_)).release();
    tasks_.clear();
    running_ = false;
    stopping_ = false;
    // The eventfd is shared with the parent: a fresh one, so neither steals the other's wake-up.
    if (wake_fd_ >= 0) ::close(wake_fd_);
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    mutex_.unlock();
  }

  void wake() noexcept {
    if (wake_fd_ < 0) return;
    const std::uint64_t one = 1;
    [[maybe_unused]] auto written = ::write(wake_fd_, &one, sizeof one);
  }

  MonitorLoopStats stats(std::string_view kind) {
    MonitorLoopStats s;
    MutexLock lock(mutex_);
    s.threads = running_ ? 1 : 0;
    for (const auto& [key, t] : tasks_) {
      if (t->kind() != kind) continue;
      ++s.tasks;
      s.sessions += t->session_open() ? 1 : 0;
      s.attached += t->attached();
    }
    return s;
  }

 private:
  void run() {
    AWRAP_LOG(kDebug) << "monitor loop started";
    std::vector<std::shared_ptr<LoopTask>> current;
    std::vector<pollfd> fds;
    std::vector<LoopTask*> fd_owner;
    std::vector<std::shared_ptr<LoopTask>> left;  // to close at shutdown
    while (true) {
      try {
        current.clear();
        {
          MutexLock lock(mutex_);
          if (stopping_) {
            for (auto& [key, t] : tasks_) left.push_back(t);
            break;
          }
          for (auto& [key, t] : tasks_) current.push_back(t);
        }
        auto now = Clock::now();
        auto next = now + std::chrono::seconds(1);
        for (const auto& t : current) {
          try {
            next = std::min(next, t->step(now));
          } catch (const std::exception& e) {
            AWRAP_LOG(kWarning) << t->kind() << " monitor for " << t->host().endpoint()
                                << " failed: " << e.what() << "; it carries on";
          }
        }
        // Disposal right after a fresh scan, under the mutex acquire() takes: a task just
        // handed out (touched) is never disposed.
        {
          MutexLock lock(mutex_);
          const auto checked = Clock::now();
          for (auto it = tasks_.begin(); it != tasks_.end();) {
            if (it->second->disposed() || it->second->disposable(checked)) {
              it->second->dispose();
              AWRAP_LOG(kDebug) << it->second->kind() << " monitor for "
                                << it->second->host().endpoint() << " disposed";
              it = tasks_.erase(it);
            } else {
              ++it;
            }
          }
          if (tasks_.empty()) {
            running_ = false;  // acquire() starts a new loop; it joins this thread first
            break;
          }
        }
        fds.clear();
        fd_owner.clear();
        fds.push_back({wake_fd_, POLLIN, 0});
        fd_owner.push_back(nullptr);
        for (const auto& t : current) {
          if (t->disposed()) continue;
          if (int fd = t->probe_socket(); fd >= 0) {
            fds.push_back({fd, t->probe_events(), 0});
            fd_owner.push_back(t.get());
          }
        }
        auto wait_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count() + 1;
        int timeout = static_cast<int>(std::clamp<std::int64_t>(wait_ms, 1, 1000));
        int ready = ::poll(fds.data(), fds.size(), timeout);
        if (ready < 0 && errno != EINTR)
          throw std::system_error(errno, std::generic_category(), "poll");
        if (ready <= 0) continue;
        if (fds[0].revents != 0) {
          std::uint64_t drained = 0;
          [[maybe_unused]] auto r = ::read(wake_fd_, &drained, sizeof drained);
        }
        now = Clock::now();
        for (std::size_t i = 1; i < fds.size(); ++i) {
          if (fds[i].revents == 0) continue;
          try {
            fd_owner[i]->on_probe_ready(fds[i].revents, now);
          } catch (const std::exception& e) {
            AWRAP_LOG(kWarning) << fd_owner[i]->kind() << " monitor for "
                                << fd_owner[i]->host().endpoint() << " failed: " << e.what()
                                << "; it carries on";
          }
        }
      } catch (const std::exception& e) {
        AWRAP_LOG(kWarning) << "monitor loop failed: " << e.what() << "; restarting it";
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    // Stopping (library shutdown) or nothing left to monitor: close what is open. No lock is
    // taken after the loop: acquire() may be joining this thread while holding the mutex.
    for (auto& t : left) t->dispose();
    AWRAP_LOG(kDebug) << "monitor loop ended";
  }

  Mutex mutex_;
  std::map<std::string, std::shared_ptr<LoopTask>> tasks_ GUARDED_BY(mutex_);
  bool running_ GUARDED_BY(mutex_) = false;
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::thread thread_ GUARDED_BY(mutex_);
  int wake_fd_ = -1;
  std::optional<ForkHandlers> fork_handlers_;
};

}  // namespace

std::shared_ptr<LoopTask> acquire_loop_task(internal::Runtime& runtime, const std::string& key,
                                            const std::function<std::shared_ptr<LoopTask>()>& make,
                                            const std::function<void(LoopTask&)>& on_acquired) {
  return runtime.get<MonitorService>().acquire(key, make, on_acquired);
}

void wake_monitor_loop(internal::Runtime& runtime) noexcept {
  if (auto* service = runtime.find<MonitorService>()) service->wake();
}

MonitorLoopStats monitor_loop_stats(internal::Runtime& runtime, std::string_view kind) {
  auto* service = runtime.find<MonitorService>();
  return service ? service->stats(kind) : MonitorLoopStats{};
}

}  // namespace awrap::internal
