// Response-time monitors of the fastest_response host selector (docs/host-selection.md).
//
// One ResponseTimeMonitor per (engine, host, login, interval), shared by every Connection of the
// process whose selector watches that host. Every response_measurement_interval_ms it times one
// check (SELECT 1 with the PostgreSQL probe, a ping with MariaDB; HostProbe) on a session of its
// own, opened with background credentials; the login itself is not timed (a fresh session is
// checked again at once). Each check, login included, has a deadline of
// max(interval, kMinimumMeasurementDeadline); a check that misses it or fails leaves the host
// unmeasured (chosen last).
//
// The monitors are LoopTasks of the process's one monitor loop (plugin/monitor_loop.hpp, the
// thread host_monitoring uses): no thread of their own. A monitor counts its users (the
// ResponseTimeWatch handles); when the last one is released it is disposed of at the loop's next
// turn and its session closed.
//
// Thread safety: every function here may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "awrap/ext/background_credentials.hpp"
#include "awrap/ext/target_driver.hpp"
#include "host_selection/fastest_response.hpp"
#include "plugin/monitor_loop.hpp"

namespace awrap::internal {

inline constexpr std::chrono::milliseconds kMinimumMeasurementDeadline{1000};

struct ResponseTimeMonitorKey {
  // Makes the probes (TargetDriver::make_probe; tests give a fake driver). Shared: the monitor
  // outlives the Connection that created it. Its engine is part of the monitor's identity.
  std::shared_ptr<const TargetDriver> driver;
  ConnectSpec spec;  // the login of the measuring session (host is set per monitor)
  std::chrono::milliseconds interval{30000};
  // Fresh credentials for each session; null: spec's user and password.
  std::shared_ptr<const BackgroundCredentials> credentials{};
};

class ResponseTimeMonitor final : public LoopTask {
 public:
  static constexpr std::string_view kKind = "response_time";

  // `runtime` drives the monitor; it outlives every watch (ResponseTimeWatch holds it).
  ResponseTimeMonitor(internal::Runtime& runtime, HostInfo host, ResponseTimeMonitorKey config);
  ~ResponseTimeMonitor() override;

  // The latest measurement; nullopt before the first one and after a failed one.
  std::optional<std::chrono::nanoseconds> response_time() const noexcept;

  std::string_view kind() const noexcept override { return kKind; }
  const HostInfo& host() const noexcept override { return host_; }
  bool disposed() const noexcept override { return disposed_.load(std::memory_order_relaxed); }
  bool session_open() const noexcept override {
    return session_open_.load(std::memory_order_relaxed);
  }
  int attached() const override { return users_.load(std::memory_order_relaxed); }
  void touch() noexcept override {}
  void add_user() noexcept { users_.fetch_add(1, std::memory_order_relaxed); }
  void release_user() noexcept;

  // --- event loop only ---
  Clock::time_point step(Clock::time_point now) override;
  int probe_socket() const noexcept override;
  short probe_events() const noexcept override;
  void on_probe_ready(short revents, Clock::time_point now) override;
  bool disposable(Clock::time_point now) const noexcept override;
  void dispose() noexcept override;

 private:
  void start_check(Clock::time_point now);
  void finish_check(HostProbe::Status status, Clock::time_point now);
  void record(std::optional<std::chrono::nanoseconds> measured) noexcept;

  internal::Runtime& runtime_;
  const HostInfo host_;
  const ResponseTimeMonitorKey config_;
  std::atomic<int> users_{0};
  std::atomic<bool> disposed_{false};
  std::atomic<bool> session_open_{false};
  std::atomic<std::int64_t> response_ns_{-1};  // -1: none
  // Event loop only:
  std::unique_ptr<HostProbe> probe_;
  ConnectSpec login_;  // what probe_ logged in with (for BackgroundCredentials::refused)
  bool in_flight_ = false;
  bool opened_session_ = false;  // the check in flight opened the session: not timed
  Clock::time_point started_{};
  Clock::time_point deadline_{};
  Clock::time_point next_at_{};
};

// One user's hold on a monitor: the monitor runs while some watch holds it.
class ResponseTimeWatch {
 public:
  ResponseTimeWatch(std::shared_ptr<internal::Runtime> runtime,
                    std::shared_ptr<ResponseTimeMonitor> monitor)
      : runtime_(std::move(runtime)), monitor_(std::move(monitor)) {}
  ~ResponseTimeWatch() { monitor_->release_user(); }
  ResponseTimeWatch(const ResponseTimeWatch&) = delete;
  ResponseTimeWatch& operator=(const ResponseTimeWatch&) = delete;
  const ResponseTimeMonitor& monitor() const noexcept { return *monitor_; }

 private:
  std::shared_ptr<internal::Runtime> runtime_;  // first: outlives the monitor's release
  std::shared_ptr<ResponseTimeMonitor> monitor_;
};

// A hold on the monitor of `host` for `config`, created (and the monitor loop started) when none
// is running.
std::unique_ptr<ResponseTimeWatch> watch_response_time(
    const std::shared_ptr<internal::Runtime>& runtime, const HostInfo& host,
    const ResponseTimeMonitorKey& config);

// The ResponseTimeSource of one selector: it holds watches on the hosts it was last asked about.
// `configure` is called at the first watch() (a Connection's plugins are all built by then, so
// its background credentials can be asked for).
class MonitoredResponseTimes final : public ResponseTimeSource {
 public:
  MonitoredResponseTimes(std::shared_ptr<internal::Runtime> runtime,
                         std::function<ResponseTimeMonitorKey()> configure)
      : runtime_(std::move(runtime)), configure_(std::move(configure)) {}
  void watch(std::span<const HostInfo> hosts) override;
  std::optional<std::chrono::nanoseconds> response_time(const HostInfo& host) const override;

 private:
  std::shared_ptr<internal::Runtime> runtime_;
  std::function<ResponseTimeMonitorKey()> configure_;
  std::optional<ResponseTimeMonitorKey> config_;
  std::map<std::string, std::unique_ptr<ResponseTimeWatch>> watches_;  // by endpoint
};

struct ResponseTimeStats {
  int monitors = 0;  // live monitors
  int threads = 0;   // monitor-loop threads running (0 or 1; shared with host_monitoring)
  int sessions = 0;  // open measuring connections
  int users = 0;     // watches held
};
ResponseTimeStats response_time_stats(internal::Runtime& runtime);

}  // namespace awrap::internal
