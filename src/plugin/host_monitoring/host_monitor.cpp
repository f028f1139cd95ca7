#include "plugin/host_monitoring/host_monitor.hpp"

#include <algorithm>

#include "base/logging.hpp"
#include "core/host_availability.hpp"
#include "plugin/monitor_loop.hpp"
#include "plugin/resolving_probe.hpp"

namespace awrap::internal {
namespace {

using Clock = std::chrono::steady_clock;

Clock::time_point from_ticks(std::int64_t ticks) {
  return Clock::time_point(Clock::duration(ticks));
}

std::string key_of(const HostMonitorKey& c) {
  std::string key =
      std::string(c.driver->engine()) + "|" + c.host.endpoint() + "|" + c.probe_spec.user + "|" +
      c.probe_spec.database + "|" + std::to_string(c.settings.detection_time.count()) + "/" +
      std::to_string(c.settings.interval.count()) + "/" + std::to_string(c.settings.count) + "/" +
      std::to_string(c.settings.disposal.count());
  // The password is left out on purpose: it may rotate (IAM) without making a new monitor.
  for (const auto& [k, v] : c.probe_spec.native_options) key += "|" + k + "=" + v;
  return key;
}

}  // namespace

void HostMonitor::wake_loop() noexcept {
  wake_monitor_loop(runtime_);
}

HostMonitor::HostMonitor(internal::Runtime& runtime, std::string key, HostMonitorKey config)
    : runtime_(runtime),
      key_(std::move(key)),
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
                         TargetConnection* connection, CallAbortedListener on_abort) {
  MutexLock lock(mutex_);
  registration->connection_ = connection;
  registration->aborted_call_ns_ = 0;
  registration->on_abort_ = std::move(on_abort);
  registrations_.push_back(registration);
  touch();
  wake_loop();  // scanned at once, not only at the loop's next turn
}

void HostMonitor::detach(const MonitoredConnection* registration) noexcept {
  // Destroyed after the lock is released (declared first): it may hold application objects.
  CallAbortedListener dropped;
  MutexLock lock(mutex_);
  for (std::size_t i = 0; i < registrations_.size(); ++i) {
    if (registrations_[i].get() != registration) continue;
    registrations_[i]->connection_ = nullptr;
    dropped.swap(registrations_[i]->on_abort_);
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
  return make_resolving_probe(config_.driver, std::move(spec));
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
      runtime_.get<HostAvailabilityRegistry>().set(config_.host, HostAvailability::kUnavailable);
      break;
    case MonitorStateMachine::Transition::kBecameAlive:
      AWRAP_LOG(kInfo) << "host monitor: " << config_.host.endpoint() << " answers again";
      runtime_.get<HostAvailabilityRegistry>().set(config_.host, HostAvailability::kAvailable);
      break;
    case MonitorStateMachine::Transition::kNone:
      break;
  }
}

void HostMonitor::abort_stuck_calls(Clock::time_point now) {
  // The application's listeners are told after the lock is released: a listener that blocks must
  // not hold up attach/detach (Connections opening and closing on this host).
  std::vector<std::pair<CallAbortedListener, std::chrono::milliseconds>> aborted;
  {
    MutexLock lock(mutex_);
    for (const auto& r : registrations_) {
      const std::int64_t started = r->call_start_ns_.load(std::memory_order_relaxed);
      if (started == 0 || started == r->aborted_call_ns_ ||
          !state_.abort_due(from_ticks(started), now))
        continue;
      r->aborted_call_ns_ = started;
      if (r->connection_) {
        const auto running =
            std::chrono::duration_cast<std::chrono::milliseconds>(now - from_ticks(started));
        AWRAP_LOG(kInfo) << "host monitor: aborting a call of " << running.count() << " ms on "
                         << config_.host.endpoint();
        r->connection_->abort();
        if (r->on_abort_) aborted.emplace_back(r->on_abort_, running);
      }
    }
  }
  if (aborted.empty()) return;
  CallAbortedEvent event;
  event.host = config_.host;
  event.reason = CallAbortReason::kHostUnresponsive;
  event.detail = config_.host.endpoint() + " did not answer " + std::to_string(state_.failures()) +
                 " probe(s) in a row (failure_detection_count " +
                 std::to_string(config_.settings.count) + ")";
  for (auto& [listener, running] : aborted) {
    event.call_duration = running;
    listener(event);
  }
}

void HostMonitor::dispose() noexcept {
  disposed_.store(true, std::memory_order_relaxed);
  if (probe_) probe_->close();
  probe_.reset();
  probe_session_open_.store(false, std::memory_order_relaxed);
}

std::shared_ptr<HostMonitor> acquire_host_monitor(internal::Runtime& runtime,
                                                  const HostMonitorKey& config) {
  std::string key = "host_monitor|" + key_of(config);
  auto task = acquire_loop_task(
      runtime, key, [&] { return std::make_shared<HostMonitor>(runtime, key, config); });
  auto monitor = std::static_pointer_cast<HostMonitor>(task);  // the key names the kind
  monitor->update_credentials(config.probe_spec);
  return monitor;
}

HostMonitoringStats host_monitoring_stats(internal::Runtime& runtime) {
  auto loop = monitor_loop_stats(runtime, HostMonitor::kKind);
  return {.monitors = loop.tasks,
          .threads = loop.threads,
          .probe_sessions = loop.sessions,
          .attached = loop.attached};
}

}  // namespace awrap::internal
