#include "plugin/response_time/response_time_monitor.hpp"

#include <algorithm>

#include "base/logging.hpp"
#include "plugin/resolving_probe.hpp"

namespace awrap::internal {
namespace {

using Clock = std::chrono::steady_clock;

std::string key_of(const HostInfo& host, const ResponseTimeMonitorKey& c) {
  // The password is left out on purpose: it may rotate (IAM) without making a new monitor.
  std::string key = std::string(ResponseTimeMonitor::kKind) + "|" +
                    std::string(c.driver->engine()) + "|" + host.endpoint() + "|" + c.spec.user +
                    "|" + c.spec.database + "|" + std::to_string(c.interval.count());
  for (const auto& [k, v] : c.spec.native_options) key += "|" + k + "=" + v;
  return key;
}

}  // namespace

ResponseTimeMonitor::ResponseTimeMonitor(internal::Runtime& runtime, HostInfo host,
                                         ResponseTimeMonitorKey config)
    : runtime_(runtime), host_(std::move(host)), config_(std::move(config)) {}

ResponseTimeMonitor::~ResponseTimeMonitor() = default;

std::optional<std::chrono::nanoseconds> ResponseTimeMonitor::response_time() const noexcept {
  const std::int64_t ns = response_ns_.load(std::memory_order_relaxed);
  if (ns < 0) return std::nullopt;
  return std::chrono::nanoseconds(ns);
}

void ResponseTimeMonitor::release_user() noexcept {
  if (users_.fetch_sub(1, std::memory_order_relaxed) == 1) wake_monitor_loop(runtime_);
}

void ResponseTimeMonitor::record(std::optional<std::chrono::nanoseconds> measured) noexcept {
  response_ns_.store(measured ? measured->count() : -1, std::memory_order_relaxed);
}

Clock::time_point ResponseTimeMonitor::step(Clock::time_point now) {
  if (in_flight_ && now >= deadline_) {
    AWRAP_LOG(kDebug)
        << "response-time monitor: " << host_.endpoint() << " did not answer within "
        << std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - started_).count()
        << " ms";
    probe_->abandon();
    in_flight_ = false;
    session_open_.store(false, std::memory_order_relaxed);
    record(std::nullopt);
  }
  if (!in_flight_ && now >= next_at_) start_check(now);
  return in_flight_ ? deadline_ : next_at_;
}

void ResponseTimeMonitor::start_check(Clock::time_point now) {
  // Set first: if anything below throws, the next attempt waits for the next interval.
  started_ = now;
  deadline_ = now + std::max(config_.interval, kMinimumMeasurementDeadline);
  next_at_ = now + config_.interval;
  in_flight_ = true;
  try {
    opened_session_ = !probe_ || !probe_->has_session();
    if (opened_session_) {
      // Fresh credentials for each login: the last ones may have expired or been rotated.
      ConnectSpec spec = config_.spec;
      spec.host = host_;
      if (config_.credentials) config_.credentials->apply(spec);
      login_ = spec;
      probe_ = make_resolving_probe(config_.driver, std::move(spec));
    }
    finish_check(probe_->start(), now);
  } catch (const std::exception& e) {
    AWRAP_LOG(kWarning) << "response-time monitor for " << host_.endpoint()
                        << ": check failed to run (" << e.what() << "); retrying in "
                        << config_.interval.count() << " ms";
    in_flight_ = false;
    if (probe_) probe_->abandon();
    session_open_.store(false, std::memory_order_relaxed);
    record(std::nullopt);
  }
}

int ResponseTimeMonitor::probe_socket() const noexcept {
  return (in_flight_ && probe_) ? probe_->socket() : -1;
}

short ResponseTimeMonitor::probe_events() const noexcept {
  return probe_ ? probe_->events() : 0;
}

void ResponseTimeMonitor::on_probe_ready(short revents, Clock::time_point now) {
  if (!in_flight_ || !probe_) return;
  finish_check(probe_->resume(revents), now);
}

void ResponseTimeMonitor::finish_check(HostProbe::Status status, Clock::time_point now) {
  if (status == HostProbe::Status::kWaiting) return;
  in_flight_ = false;
  switch (status) {
    case HostProbe::Status::kWaiting:
      return;
    case HostProbe::Status::kSucceeded:
      if (opened_session_) {
        next_at_ = now;  // the login is not the host's response time: time a check on it now
      } else {
        record(now - started_);
      }
      break;
    case HostProbe::Status::kFailed:
      AWRAP_LOG(kDebug) << "response-time monitor: check of " << host_.endpoint()
                        << " failed: " << probe_->error();
      record(std::nullopt);
      break;
    case HostProbe::Status::kRefused:
      // Credentials, not the host: the next login uses fresh ones; the figure stands.
      if (config_.credentials) config_.credentials->refused(login_);
      probe_.reset();
      break;
  }
  session_open_.store(probe_ && probe_->has_session(), std::memory_order_relaxed);
}

bool ResponseTimeMonitor::disposable(Clock::time_point /*now*/) const noexcept {
  return users_.load(std::memory_order_relaxed) == 0;
}

void ResponseTimeMonitor::dispose() noexcept {
  disposed_.store(true, std::memory_order_relaxed);
  if (probe_) probe_->close();
  probe_.reset();
  in_flight_ = false;
  session_open_.store(false, std::memory_order_relaxed);
}

std::unique_ptr<ResponseTimeWatch> watch_response_time(
    const std::shared_ptr<internal::Runtime>& runtime, const HostInfo& host,
    const ResponseTimeMonitorKey& config) {
  auto task = acquire_loop_task(
      *runtime, key_of(host, config),
      [&] { return std::make_shared<ResponseTimeMonitor>(*runtime, host, config); },
      // Counted under the registry's mutex: the loop cannot dispose of it in between.
      [](LoopTask& t) { static_cast<ResponseTimeMonitor&>(t).add_user(); });
  return std::make_unique<ResponseTimeWatch>(runtime,
                                             std::static_pointer_cast<ResponseTimeMonitor>(task));
}

void MonitoredResponseTimes::watch(std::span<const HostInfo> hosts) {
  if (!config_) config_ = configure_();
  std::map<std::string, std::unique_ptr<ResponseTimeWatch>> now_watched;
  for (const auto& h : hosts) {
    std::string endpoint = h.endpoint();
    if (now_watched.contains(endpoint)) continue;
    if (auto it = watches_.find(endpoint); it != watches_.end()) {
      now_watched[endpoint] = std::move(it->second);
      continue;
    }
    try {
      now_watched[endpoint] = watch_response_time(runtime_, h, *config_);
    } catch (const std::exception& e) {
      // Measuring must never fail the caller (e.g. no thread could be started): unmeasured.
      AWRAP_LOG(kWarning) << "response-time monitor for " << endpoint
                          << " unavailable: " << e.what();
    }
  }
  watches_ = std::move(now_watched);  // the hosts left out are released
}

std::optional<std::chrono::nanoseconds> MonitoredResponseTimes::response_time(
    const HostInfo& host) const {
  auto it = watches_.find(host.endpoint());
  if (it == watches_.end()) return std::nullopt;
  return it->second->monitor().response_time();
}

ResponseTimeStats response_time_stats(internal::Runtime& runtime) {
  auto loop = monitor_loop_stats(runtime, ResponseTimeMonitor::kKind);
  return {.monitors = loop.tasks,
          .threads = loop.threads,
          .sessions = loop.sessions,
          .users = loop.attached};
}

}  // namespace awrap::internal
