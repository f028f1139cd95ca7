// The process-wide event loop of awrap's background monitors: ONE thread drives every host
// monitor (host_monitoring, enhanced failure monitoring) and every response-time monitor
// (the fastest_response host selector). Each monitor is a LoopTask: the loop steps it, polls the
// sockets of the checks it has in flight (non-blocking HostProbes, all in one poll()) and
// disposes of it when it says it is no longer needed.
//
// The thread starts with the first task and ends when the last one has been disposed of; the
// registry is a service of the Runtime (base/runtime.hpp), whose end stops and joins it.
// Supervision: an exception from one task is logged and that task carries on at its next turn; one
// from the loop itself is logged and the loop goes on after a pause; every wait of the loop has a
// deadline of 1 ms to 1 s.
//
// Thread safety: every function here may be called from any thread; a LoopTask's "event loop
// only" members are called by the loop thread alone.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "awrap/host_info.hpp"
#include "base/runtime.hpp"

namespace awrap::internal {

class LoopTask {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~LoopTask() = default;

  // What the task is, for statistics ("host_monitor", "response_time").
  virtual std::string_view kind() const noexcept = 0;
  virtual const HostInfo& host() const noexcept = 0;
  // True once disposed of; the registry then hands out a fresh task for the same key.
  virtual bool disposed() const noexcept = 0;
  virtual bool session_open() const noexcept = 0;  // a server connection of its own is open
  virtual int attached() const { return 0; }       // users registered (statistics)
  // Marks the task as wanted now; called by acquire_loop_task under the registry's mutex.
  virtual void touch() noexcept = 0;

  // --- event loop only ---
  // Does what is due; returns the latest time the loop must look at the task again.
  virtual Clock::time_point step(Clock::time_point now) = 0;
  // The socket of the check in flight and the poll() events it waits for; -1 when none.
  virtual int probe_socket() const noexcept = 0;
  virtual short probe_events() const noexcept = 0;
  virtual void on_probe_ready(short revents, Clock::time_point now) = 0;
  // Checked under the registry's mutex (acquire_loop_task cannot hand the task out meanwhile).
  virtual bool disposable(Clock::time_point now) const noexcept = 0;
  // Closes what the task holds, without blocking.
  virtual void dispose() noexcept = 0;
};

// The task registered under `key`, or a new one from `make` when there is none or it was
// disposed of (the loop thread is started when not running). `on_acquired` runs on the task
// under the registry's mutex, where the loop cannot dispose of it (e.g. to count a user).
std::shared_ptr<LoopTask> acquire_loop_task(internal::Runtime& runtime, const std::string& key,
                                            const std::function<std::shared_ptr<LoopTask>()>& make,
                                            const std::function<void(LoopTask&)>& on_acquired = {});

// Makes the loop look at its tasks now (a new user, a released one).
void wake_monitor_loop(internal::Runtime& runtime) noexcept;

struct MonitorLoopStats {
  int tasks = 0;     // live tasks of the kind
  int threads = 0;   // event-loop threads running (0 or 1, for every kind together)
  int sessions = 0;  // server connections the tasks of the kind hold open
  int attached = 0;  // users registered with them
};
// Zero when `runtime` has no loop yet.
MonitorLoopStats monitor_loop_stats(internal::Runtime& runtime, std::string_view kind);

}  // namespace awrap::internal
