#include "plugin/host_monitoring/host_monitor.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <thread>

#include "base/logging.hpp"
#include "base/thread_annotations.hpp"
#include "core/host_availability.hpp"
#include "driver/host_probe.hpp"

namespace awrap {
namespace {

using Clock = std::chrono::steady_clock;

Clock::time_point from_ticks(std::int64_t ticks) {
  return Clock::time_point(Clock::duration(ticks));
}

std::string key_of(const HostMonitorKey& c) {
  std::string key =
      c.engine + "|" + c.host.endpoint() + "|" + c.probe_spec.user + "|" + c.probe_spec.database +
      "|" + std::to_string(c.settings.detection_time.count()) + "/" +
      std::to_string(c.settings.interval.count()) + "/" + std::to_string(c.settings.count) + "/" +
      std::to_string(c.settings.disposal.count());
  // The password is left out on purpose: it may rotate (IAM) without making a new monitor.
  for (const auto& [k, v] : c.probe_spec.native_options) key += "|" + k + "=" + v;
  return key;
}

// The process-wide registry of monitors and the one event-loop thread that drives them.
class MonitorService {
 public:
  static MonitorService& instance() {
    static MonitorService service;
    return service;
  }

  MonitorService() {
    // Statics used by the loop are built first, so they are destroyed after this one.
    HostAvailabilityRegistry::instance();
    AWRAP_LOG(kDebug) << "host monitoring service ready";
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    // fork(): holding mutex_ across it means no child inherits it locked by the loop thread;
    // the child then starts over without the parent's loop (restart_in_child).
    ::pthread_atfork(lock_before_fork, unlock_in_parent, restart_in_child);
  }

  static void lock_before_fork() NO_THREAD_SAFETY_ANALYSIS { instance().mutex_.lock(); }
  static void unlock_in_parent() NO_THREAD_SAFETY_ANALYSIS { instance().mutex_.unlock(); }

  ~MonitorService() {
    std::thread loop;
    {
      MutexLock lock(mutex_);
      stopping_ = true;
      loop = std::move(thread_);
    }
    wake();
    if (loop.joinable()) loop.join();
    // The loop closed every probe on its way out; monitors still referenced by live
    // Connections stay valid (they are only no longer driven).
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  std::shared_ptr<HostMonitor> acquire(const HostMonitorKey& config) {
    std::string key = key_of(config);
    std::shared_ptr<HostMonitor> monitor;
    {
      MutexLock lock(mutex_);
      auto& slot = monitors_[key];
      if (!slot || slot->disposed()) slot = std::make_shared<HostMonitor>(key, config);
      monitor = slot;
      monitor->touch();  // under the mutex the loop disposes under: never disposed right now
      if (!running_ && !stopping_) {
        if (thread_.joinable()) thread_.join();  // a loop that ended: it no longer takes the mutex
        thread_ = std::thread([this] { run(); });  // it waits for the mutex we hold
        running_ = true;                           // only once a thread really runs
      }
    }
    monitor->update_credentials(config.probe_spec);
    wake();
    return monitor;
  }

  // In a fork() child, with mutex_ held since the prepare handler and no other thread running.
  static void restart_in_child() NO_THREAD_SAFETY_ANALYSIS { instance().start_over_in_child(); }
  void start_over_in_child() NO_THREAD_SAFETY_ANALYSIS {
    // The loop thread does not exist here, and its id is the parent's: the std::thread must be
    // neither joined nor detached, so its handle is given up on purpose. The parent's monitors
    // (and their probe sessions, which are the parent's sockets) are given up the same way:
    // nothing is sent on them, and the child's Connections get monitors of their own.
    if (thread_.joinable()) (void)std::make_unique<std::thread>(std::move(thread_)).release();
    (void)std::make_unique<decltype(monitors_)>(std::move(monitors_)).release();
    monitors_.clear();
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

  HostMonitoringStats stats() {
    HostMonitoringStats s;
    MutexLock lock(mutex_);
    s.threads = running_ ? 1 : 0;
    for (const auto& [key, m] : monitors_) {
      ++s.monitors;
      s.probe_sessions += m->probe_session_open() ? 1 : 0;
      s.attached += m->attached();
    }
    return s;
  }

 private:
  // Supervision: an exception from one monitor is logged and that monitor carries on at its next
  // turn; one from the loop itself is logged and the loop goes on after a pause. Never spins:
  // every wait has a deadline of at least a millisecond and no more than a second.
  void run() {
    AWRAP_LOG(kDebug) << "host monitoring loop started";
    std::vector<std::shared_ptr<HostMonitor>> current;
    std::vector<pollfd> fds;
    std::vector<HostMonitor*> fd_owner;
    std::vector<std::shared_ptr<HostMonitor>> left;  // to close at shutdown
    while (true) {
      try {
        current.clear();
        {
          MutexLock lock(mutex_);
          if (stopping_) {
            for (auto& [key, m] : monitors_) left.push_back(m);
            break;
          }
          for (auto& [key, m] : monitors_) current.push_back(m);
        }
        auto now = Clock::now();
        auto next = now + std::chrono::seconds(1);
        for (const auto& m : current) {
          try {
            next = std::min(next, m->step(now));
          } catch (const std::exception& e) {
            AWRAP_LOG(kWarning) << "host monitor for " << m->host().endpoint()
                                << " failed: " << e.what() << "; it carries on";
          }
        }
        // Disposal right after a fresh scan, under the mutex acquire() takes: a monitor just
        // handed out (touched) or with a call in flight is never disposed.
        {
          MutexLock lock(mutex_);
          const auto checked = Clock::now();
          for (auto it = monitors_.begin(); it != monitors_.end();) {
            if (it->second->disposed() || it->second->disposable(checked)) {
              it->second->dispose();
              AWRAP_LOG(kDebug) << "host monitor for " << it->second->host().endpoint()
                                << " disposed";
              it = monitors_.erase(it);
            } else {
              ++it;
            }
          }
          if (monitors_.empty()) {
            running_ = false;  // acquire() starts a new loop; it joins this thread first
            break;
          }
        }
        fds.clear();
        fd_owner.clear();
        fds.push_back({wake_fd_, POLLIN, 0});
        fd_owner.push_back(nullptr);
        for (const auto& m : current) {
          if (int fd = m->probe_socket(); fd >= 0) {
            fds.push_back({fd, m->probe_events(), 0});
            fd_owner.push_back(m.get());
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
            AWRAP_LOG(kWarning) << "host monitor for " << fd_owner[i]->host().endpoint()
                                << " failed: " << e.what() << "; it carries on";
          }
        }
      } catch (const std::exception& e) {
        AWRAP_LOG(kWarning) << "host monitoring loop failed: " << e.what() << "; restarting it";
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    // Stopping (library shutdown) or nothing left to monitor: close what is open. No lock is
    // taken after the loop: acquire() may be joining this thread while holding the mutex.
    for (auto& m : left) m->dispose();
    AWRAP_LOG(kDebug) << "host monitoring loop ended";
  }

  Mutex mutex_;
  std::map<std::string, std::shared_ptr<HostMonitor>> monitors_ GUARDED_BY(mutex_);
  bool running_ GUARDED_BY(mutex_) = false;
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::thread thread_ GUARDED_BY(mutex_);
  int wake_fd_ = -1;
};

}  // namespace

void HostMonitor::wake_loop() noexcept {
  MonitorService::instance().wake();
}

HostMonitor::HostMonitor(std::string key, HostMonitorKey config)
    : key_(std::move(key)),
      config_(std::move(config)),
      probe_spec_(config_.probe_spec),
      state_(config_.settings, Clock::now()) {
  probe_spec_.host = config_.host;
}

HostMonitor::~HostMonitor() = default;

bool HostMonitor::disposable(Clock::time_point now) const noexcept {
  const auto touched = from_ticks(touched_ns_.load(std::memory_order_relaxed));
  if (!state_.disposable(now) || now - touched < config_.settings.disposal) return false;
  MutexLock lock(mutex_);
  for (const auto& r : registrations_)
    if (r->call_start_ns_.load(std::memory_order_relaxed) != 0)
      return false;  // a call began since the scan
  return true;
}

void HostMonitor::attach(const std::shared_ptr<MonitoredConnection>& registration,
                         TargetConnection* connection) {
  MutexLock lock(mutex_);
  registration->connection_ = connection;
  registration->aborted_call_ns_ = 0;
  registrations_.push_back(registration);
  touch();
  wake_loop();  // scanned at once, not only at the loop's next turn
}

void HostMonitor::detach(const MonitoredConnection* registration) noexcept {
  MutexLock lock(mutex_);
  for (std::size_t i = 0; i < registrations_.size(); ++i) {
    if (registrations_[i].get() != registration) continue;
    registrations_[i]->connection_ = nullptr;
    registrations_[i] = std::move(registrations_.back());
    registrations_.pop_back();
    return;
  }
}

void HostMonitor::update_credentials(const ConnectSpec& spec) {
  MutexLock lock(mutex_);
  if (spec.password == probe_spec_.password) return;
  probe_spec_.password = spec.password;
}

int HostMonitor::attached() const {
  MutexLock lock(mutex_);
  return static_cast<int>(registrations_.size());
}

std::chrono::milliseconds HostMonitor::scan_tick() const noexcept {
  // New calls are found by scanning; a call found within detection_time is watched exactly
  // (its start is known), so the scan only needs to be more frequent than detection_time.
  return std::clamp(config_.settings.detection_time / 2, std::chrono::milliseconds(10),
                    std::chrono::milliseconds(1000));
}

Clock::time_point HostMonitor::step(Clock::time_point now) {
  std::optional<Clock::time_point> oldest;
  std::int64_t last_start = 0;
  bool any = false;
  {
    MutexLock lock(mutex_);
    any = !registrations_.empty();
    for (const auto& r : registrations_) {
      const std::int64_t started = r->call_start_ns_.load(std::memory_order_relaxed);
      last_start = std::max(last_start, r->last_call_start_ns_.load(std::memory_order_relaxed));
      if (started == 0 || started == r->aborted_call_ns_) continue;
      if (!oldest || from_ticks(started) < *oldest) oldest = from_ticks(started);
    }
  }
  state_.observe(now, oldest, from_ticks(last_start));
  if (state_.probe_expired(now)) {
    probe_->abandon();
    finish_probe(false, now);
  }
  if (state_.probe_due(now)) {
    // Recorded first: if anything below throws, the next attempt waits for the next interval
    // (supervision without spinning).
    state_.start_probe(now);
    probe_started_ = now;
    try {
      if (!probe_ || !probe_->has_session()) probe_ = new_probe_session();
      finish_probe(probe_->start(), now);
    } catch (const std::exception& e) {
      AWRAP_LOG(kWarning) << "host monitor for " << config_.host.endpoint()
                          << ": probe failed to run (" << e.what() << "); retrying in "
                          << config_.settings.interval.count() << " ms";
      state_.cancel_probe();
      if (probe_) probe_->abandon();
    }
  }
  if (state_.host_dead()) abort_stuck_calls(now);
  auto next = state_.next_event(now);
  if (any) next = std::min(next, now + scan_tick());
  return next;
}

int HostMonitor::probe_socket() const noexcept {
  return (state_.probe_in_flight() && probe_) ? probe_->socket() : -1;
}

short HostMonitor::probe_events() const noexcept {
  return probe_ ? probe_->events() : 0;
}

void HostMonitor::on_probe_ready(short revents, Clock::time_point now) {
  if (!state_.probe_in_flight() || !probe_) return;
  const HostProbe::Status status = probe_->resume(revents);
  if (status == HostProbe::Status::kWaiting) return;
  finish_probe(status, now);
  if (state_.host_dead()) abort_stuck_calls(now);
}

// A new session logs in with fresh credentials: those of the last login may have expired (an
// IAM token lives 15 minutes) or been rotated (Secrets Manager) since.
std::unique_ptr<HostProbe> HostMonitor::new_probe_session() {
  ConnectSpec spec;
  {
    MutexLock lock(mutex_);
    spec = probe_spec_;
  }
  if (config_.credentials) config_.credentials->apply(spec);
  probe_login_ = spec;
  return config_.make_probe ? config_.make_probe(config_.engine, std::move(spec))
                            : make_host_probe(config_.engine, std::move(spec));
}

void HostMonitor::finish_probe(HostProbe::Status status, Clock::time_point now) {
  switch (status) {
    case HostProbe::Status::kWaiting:
      return;
    case HostProbe::Status::kSucceeded:
      finish_probe(true, now);
      return;
    case HostProbe::Status::kFailed:
      finish_probe(false, now);
      return;
    case HostProbe::Status::kRefused:
      // The server answered: it is alive. Only the credentials are wrong (an expired token, a
      // rotated password), which is never a reason to condemn the host and abort its calls.
      AWRAP_LOG(kInfo) << "host monitor: " << config_.host.endpoint()
                       << " refused the probe's login (credentials, not the host); the next "
                          "probe logs in with fresh ones";
      if (config_.credentials) config_.credentials->refused(probe_login_);
      probe_.reset();
      finish_probe(true, now);
      return;
  }
}

void HostMonitor::finish_probe(bool answered, Clock::time_point now) {
  probe_session_open_.store(probe_ && probe_->has_session(), std::memory_order_relaxed);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(now - probe_started_).count();
  if (!answered) {
    AWRAP_LOG(kDebug) << "host monitor: probe of " << config_.host.endpoint() << " failed after "
                      << took << " ms: " << (probe_ ? probe_->error() : std::string("no probe"));
  }
  switch (state_.finish_probe(answered, now)) {
    case MonitorStateMachine::Transition::kBecameDead:
      AWRAP_LOG(kWarning) << "host monitor: " << config_.host.endpoint() << " does not answer ("
                          << state_.failures() << " failed probes); aborting the calls stuck on it";
      HostAvailabilityRegistry::instance().set(config_.host, HostAvailability::kUnavailable);
      break;
    case MonitorStateMachine::Transition::kBecameAlive:
      AWRAP_LOG(kInfo) << "host monitor: " << config_.host.endpoint() << " answers again";
      HostAvailabilityRegistry::instance().set(config_.host, HostAvailability::kAvailable);
      break;
    case MonitorStateMachine::Transition::kNone:
      break;
  }
}

void HostMonitor::abort_stuck_calls(Clock::time_point now) {
  MutexLock lock(mutex_);
  for (const auto& r : registrations_) {
    const std::int64_t started = r->call_start_ns_.load(std::memory_order_relaxed);
    if (started == 0 || started == r->aborted_call_ns_ ||
        !state_.abort_due(from_ticks(started), now))
      continue;
    r->aborted_call_ns_ = started;
    if (r->connection_) {
      AWRAP_LOG(kInfo) << "host monitor: aborting a call of "
                       << std::chrono::duration_cast<std::chrono::milliseconds>(now -
                                                                                from_ticks(started))
                              .count()
                       << " ms on " << config_.host.endpoint();
      r->connection_->abort();
    }
  }
}

void HostMonitor::dispose() noexcept {
  disposed_.store(true, std::memory_order_relaxed);
  if (probe_) probe_->close();
  probe_.reset();
  probe_session_open_.store(false, std::memory_order_relaxed);
}

std::shared_ptr<HostMonitor> acquire_host_monitor(const HostMonitorKey& config) {
  return MonitorService::instance().acquire(config);
}

HostMonitoringStats host_monitoring_stats() {
  return MonitorService::instance().stats();
}

}  // namespace awrap
