// Host monitors of the host_monitoring plugin (enhanced failure monitoring).
//
// One HostMonitor per (engine, host, credentials, monitoring settings), shared by every
// Connection on that host. A Connection registers once per physical connection (attach/detach,
// under the monitor's mutex) and marks each call with two relaxed atomic stores
// (MonitoredConnection::begin_call/end_call): no lock and no system call per call.
//
// Every monitor of the process is driven by ONE event-loop thread (plugin/monitor_loop.hpp,
// shared with the fastest_response response-time monitors): it scans the registered connections,
// runs non-blocking probes (HostProbe, made by the Connection's TargetDriver) for all monitored
// hosts with one poll(), marks a dead host unavailable and aborts the connections stuck in a call
// on it. The thread starts with the first monitor and ends when the last one has been disposed of
// (monitor_disposal_time_ms unused); the process-wide registry's destructor stops and joins it.
// Extra server connections: at most one probe session per monitor, opened when the monitor first
// probes and closed at disposal.
//
// Thread safety: every function here may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "awrap/events.hpp"
#include "awrap/ext/background_credentials.hpp"
#include "awrap/ext/target_driver.hpp"
#include "base/thread_annotations.hpp"
#include "plugin/host_monitoring/monitor_state.hpp"
#include "plugin/monitor_loop.hpp"

namespace awrap::internal {

// One Connection's registration with a monitor. Owned by the plugin (shared with the monitor).
class MonitoredConnection {
 public:
  // The call path: the start of a call and its end. Lock-free; owner thread only.
  void begin_call() noexcept {
    const std::int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
    last_call_start_ns_.store(now, std::memory_order_relaxed);
    call_start_ns_.store(now, std::memory_order_relaxed);
  }
  void end_call() noexcept { call_start_ns_.store(0, std::memory_order_relaxed); }

 private:
  friend class HostMonitor;
  std::atomic<std::int64_t> call_start_ns_{0};       // steady_clock ticks; 0: not in a call
  std::atomic<std::int64_t> last_call_start_ns_{0};  // for disposal
  // GUARDED_BY(the monitor's mutex)
  TargetConnection* connection_ = nullptr;
  std::int64_t aborted_call_ns_ = 0;  // the call already aborted (not aborted twice)
  CallAbortedListener on_abort_;      // the application's, told after the abort (may be empty)
};

struct HostMonitorKey {
  // Makes the probes (TargetDriver::make_probe; tests give a fake driver). Shared: the monitor
  // outlives the Connection that created it. Its engine is part of the monitor's identity.
  std::shared_ptr<const TargetDriver> driver;
  HostInfo host;
  ConnectSpec probe_spec;  // credentials and native options of the probe session; host is set
  MonitorSettings settings;
  // Fresh credentials for each probe session (the authentication plugins'); null: probe_spec's
  // user and password (updated by update_credentials). Not part of the monitor's identity.
  std::shared_ptr<const BackgroundCredentials> credentials{};
};

class HostMonitor final : public LoopTask {
 public:
  static constexpr std::string_view kKind = "host_monitor";

  // `runtime` is the one whose monitor loop drives this monitor; it outlives every user of the
  // monitor (a user is a Connection's plugin, and the Connection holds the Runtime).
  HostMonitor(internal::Runtime& runtime, std::string key, HostMonitorKey config);
  ~HostMonitor() override;
  HostMonitor(const HostMonitor&) = delete;
  HostMonitor& operator=(const HostMonitor&) = delete;

  std::string_view kind() const noexcept override { return kKind; }
  const HostInfo& host() const noexcept override { return config_.host; }
  const std::string& key() const noexcept { return key_; }

  // Registers `connection` (the physical connection the calls run on). REQUIRES: `registration`
  // is not attached anywhere. The pointer must stay valid until detach. `on_abort` hears of the
  // connection's abort, on the monitor thread, after it and outside the monitor's lock.
  void attach(const std::shared_ptr<MonitoredConnection>& registration,
              TargetConnection* connection, CallAbortedListener on_abort = {});
  // After detach returns, the monitor no longer touches the connection. Idempotent.
  void detach(const MonitoredConnection* registration) noexcept;
  // True once the monitor stopped (unused for monitor_disposal_time_ms); attach to a fresh one.
  bool disposed() const noexcept override { return disposed_.load(std::memory_order_relaxed); }
  // Newer credentials for the probe session (e.g. a fresh IAM token).
  void update_credentials(const ConnectSpec& spec);

  int attached() const override;
  bool probe_session_open() const noexcept {
    return probe_session_open_.load(std::memory_order_relaxed);
  }
  bool session_open() const noexcept override { return probe_session_open(); }

  // --- event loop only ---
  // Looks at the connections and the probe; starts, checks and ends probes. Returns the time it
  // must be looked at again (the loop wakes earlier for probe socket events).
  Clock::time_point step(Clock::time_point now) override;
  // The probe's socket and events while a probe waits on one; -1 otherwise.
  int probe_socket() const noexcept override;
  short probe_events() const noexcept override;
  void on_probe_ready(short revents, Clock::time_point now) override;
  bool disposable(Clock::time_point now) const noexcept override;
  // Marks the monitor as wanted now (acquire): it is not disposed before monitor_disposal_time_ms.
  void touch() noexcept override {
    touched_ns_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  }
  void dispose() noexcept override;

 private:
  void wake_loop() noexcept;
  void finish_probe(bool answered, Clock::time_point now);
  void finish_probe(HostProbe::Status status, Clock::time_point now);
  std::unique_ptr<HostProbe> new_probe_session();
  void abort_stuck_calls(Clock::time_point now);
  std::chrono::milliseconds scan_tick() const noexcept;

  internal::Runtime& runtime_;
  const std::string key_;
  const HostMonitorKey config_;
  mutable Mutex mutex_;
  std::vector<std::shared_ptr<MonitoredConnection>> registrations_ GUARDED_BY(mutex_);
  ConnectSpec probe_spec_ GUARDED_BY(mutex_);
  std::atomic<bool> disposed_{false};
  std::atomic<bool> probe_session_open_{false};
  std::atomic<std::int64_t> touched_ns_{0};
  // Event loop only:
  MonitorStateMachine state_;
  std::unique_ptr<HostProbe> probe_;
  ConnectSpec probe_login_;  // what probe_ logs in with (for BackgroundCredentials::refused)
  Clock::time_point probe_started_{};
};

// The monitor for `config`, created (and the event loop started) when none is running.
std::shared_ptr<HostMonitor> acquire_host_monitor(internal::Runtime& runtime,
                                                  const HostMonitorKey& config);

struct HostMonitoringStats {
  int monitors = 0;        // live monitors
  int threads = 0;         // event-loop threads running (0 or 1)
  int probe_sessions = 0;  // open probe connections to servers
  int attached = 0;        // registered physical connections
};
HostMonitoringStats host_monitoring_stats(internal::Runtime& runtime);

}  // namespace awrap::internal
