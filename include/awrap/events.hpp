// Connection events: what happened to a Connection, told to the application as it happens, for
// metrics, alerting and tests that wait on what happened rather than on the log (docs/events.md).
//
//   awrap::ConnectionEvents events;
//   events.on_failover = [](const awrap::FailoverEvent& e) {
//     metrics.count("db.failover", awrap::to_string(e.result));
//     metrics.time("db.failover.duration", e.duration);
//   };
//   events.on_call_aborted = [](const awrap::CallAbortedEvent& e) {
//     alerts.raise("awrap aborted a call on " + e.host.endpoint() + ": " + e.detail);
//   };
//   auto conn = awrap::Connection::open(url, {{"wrapper_plugins", "failover,host_monitoring"}},
//                                       events);
//   // A Pool: PoolOptions::events, given to every connection it opens.
//
// Listeners belong to the Connection they were given to (no process-wide registry). Without
// listeners nothing is delivered, and calls cost nothing extra either way.
//
// Threads. on_failover_started and on_failover run on the thread using the Connection, inside the
// call that failed, before that call throws. on_call_aborted runs on the awrap thread that
// aborted the connection: host monitoring's monitor thread, or for a replaced writer the thread
// that saw the new topology (the topology monitor's, or a Connection's that refreshed it). One
// ConnectionEvents may serve many Connections (a Pool's), so its listeners may run concurrently
// on several threads and must be thread-safe.
//
// Rules for listeners. Return quickly and do not block: on_call_aborted holds up the monitoring
// of every host while it runs. Do not use awrap Connections or Pools from a listener. An exception
// a listener throws is caught and logged (kWarning); it never changes what awrap does or what the
// call raises. awrap holds none of its locks while calling a listener.
//
// Delivery. Each event is delivered once per occurrence, after the state it reports is true:
// on_failover after the new connection is in place (or, for kFailed, after the Connection was
// closed); on_call_aborted after the connection was aborted, at most once per physical
// connection. Texts are masked (mask_secrets) like every log line and error message.
#pragma once

#include "awrap/export.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "awrap/host_info.hpp"

namespace awrap {

// How a failover ended: the error the failed call raises.
enum class FailoverResult : std::uint8_t {
  kSuccess,                       // FailoverSuccessError: on a new host, the call not applied
  kTransactionResolutionUnknown,  // TransactionResolutionUnknownError: on a new host, in doubt
  kFailed,                        // FailoverFailedError: no fitting host in time; closed
};

AWRAP_EXPORT const char* to_string(FailoverResult result) noexcept;

// Why awrap aborted a physical connection (shut its socket down) from another thread.
enum class CallAbortReason : std::uint8_t {
  // host_monitoring: the host stopped answering the monitor's probes while a call ran on it.
  kHostUnresponsive,
  // aurora_connection_tracker: the cluster's writer was replaced and this connection was still
  // open to the old one (idle or in a call).
  kWriterReplaced,
};

AWRAP_EXPORT const char* to_string(CallAbortReason reason) noexcept;

struct AWRAP_EXPORT FailoverStartedEvent {
  HostInfo from{};       // the host the connection was on
  std::string reason{};  // the error that started the failover
};

struct AWRAP_EXPORT FailoverEvent {
  FailoverResult result = FailoverResult::kSuccess;
  HostInfo from{};                       // the host the connection left
  std::optional<HostInfo> to{};          // the host reached (with its role); none for kFailed
  std::chrono::milliseconds duration{};  // from the start of the failover to its end
  std::string reason{};                  // the error that started the failover
  std::string error{};                   // the message of the error the call raises
  // What of the session the new connection lacks (FailoverError::session_state_not_restored).
  std::vector<std::string> session_state_not_restored{};
};

struct AWRAP_EXPORT CallAbortedEvent {
  HostInfo host{};  // the host the aborted connection was open to
  CallAbortReason reason = CallAbortReason::kHostUnresponsive;
  std::string detail{};  // one line for humans: the evidence
  // kHostUnresponsive: how long the stuck call had been running. kWriterReplaced: none (the
  // tracker does not know whether a call was running).
  std::optional<std::chrono::milliseconds> call_duration{};
};

using FailoverStartedListener = std::function<void(const FailoverStartedEvent&)>;
using FailoverListener = std::function<void(const FailoverEvent&)>;
using CallAbortedListener = std::function<void(const CallAbortedEvent&)>;

// The listeners of one Connection (or of every connection of a Pool). Each may be left unset.
struct AWRAP_EXPORT ConnectionEvents {
  // failover plugin: a failover starts (the call's connection was lost, or the host demoted).
  FailoverStartedListener on_failover_started{};
  // failover plugin: a failover ended, in one of its three results.
  FailoverListener on_failover{};
  // host_monitoring, aurora_connection_tracker: awrap aborted this Connection's connection. The
  // call running on it (or the next call, if it was idle) then fails over, or raises
  // ConnectionLostError without the failover plugin.
  CallAbortedListener on_call_aborted{};

  bool empty() const noexcept { return !on_failover_started && !on_failover && !on_call_aborted; }
};

}  // namespace awrap
