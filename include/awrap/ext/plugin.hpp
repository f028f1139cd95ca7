// Plugins: the pipeline in front of the native driver.
//
// Each Connection owns one instance of every plugin in `wrapper_plugins`. For each Method the
// Connection precomputes the chain of plugins that subscribed to it (sorted by weight, lowest
// outermost, unless auto_sort_wrapper_plugin_order=false); a method nobody subscribed to goes
// straight to the native driver. A plugin wraps a call by doing work around next(call):
//
//   class Timing final : public awrap::Plugin {
//    public:
//     std::string_view code() const noexcept override { return "timing"; }
//     awrap::MethodSet subscribed_methods() const noexcept override {
//       return awrap::MethodSet{awrap::Method::kExecute};
//     }
//     awrap::CallResult call(awrap::Call& call, const awrap::NextCall& next) override {
//       auto start = std::chrono::steady_clock::now();
//       auto result = next(call);
//       record(std::chrono::steady_clock::now() - start);
//       return result;
//     }
//   };
//   awrap::register_plugin({"timing", 500, [](awrap::PluginService&, const awrap::Properties&) {
//     return std::make_unique<Timing>();
//   }});
//
// Plugins reach shared state only through PluginService, never through each other.
// Thread safety: a plugin instance belongs to one Connection and is called on the thread using
// that Connection; events may come from the same thread only.
#pragma once

#include "awrap/export.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "awrap/events.hpp"
#include "awrap/ext/background_credentials.hpp"
#include "awrap/ext/cluster_topology.hpp"
#include "awrap/ext/dialect.hpp"
#include "awrap/ext/target_driver.hpp"
#include "awrap/host_info.hpp"
#include "awrap/params.hpp"
#include "awrap/properties.hpp"
#include "awrap/result.hpp"

namespace awrap {

enum class Method : std::uint8_t {
  kConnect,          // opening a physical connection (initial or reconnect)
  kExecute,          // a statement, with or without parameters
  kPrepare,          // server-side prepare
  kExecutePrepared,  // running a prepared statement
  kDeallocate,       // dropping a prepared statement
  kBegin,
  kCommit,
  kRollback,
  kSetAutocommit,
  kSetReadOnly,
  kSetIsolationLevel,
  kClose,  // closing the Connection (plugins release per-connection resources)
  kCount,
};

AWRAP_EXPORT const char* to_string(Method method) noexcept;

class AWRAP_EXPORT MethodSet {
 public:
  constexpr MethodSet() = default;
  constexpr MethodSet(std::initializer_list<Method> methods) {
    for (Method m : methods) bits_ |= bit(m);
  }
  static constexpr MethodSet all() {
    MethodSet s;
    s.bits_ = (1u << static_cast<unsigned>(Method::kCount)) - 1;
    return s;
  }
  // Every method that talks to the server on the current connection (everything except
  // kConnect and kClose).
  static constexpr MethodSet network_calls() {
    MethodSet s = all();
    s.bits_ &= ~(bit(Method::kConnect) | bit(Method::kClose));
    return s;
  }
  constexpr bool contains(Method m) const noexcept { return (bits_ & bit(m)) != 0; }
  constexpr MethodSet with(Method m) const noexcept {
    MethodSet s = *this;
    s.bits_ |= bit(m);
    return s;
  }
  constexpr bool empty() const noexcept { return bits_ == 0; }

 private:
  static constexpr std::uint32_t bit(Method m) { return 1u << static_cast<unsigned>(m); }
  std::uint32_t bits_ = 0;
};

// One call on the current physical connection, as it travels down the chain.
struct AWRAP_EXPORT Call {
  Method method = Method::kExecute;
  std::string_view sql;                                 // kExecute, kPrepare
  std::string_view statement_name;                      // kPrepare, kExecutePrepared, kDeallocate
  std::span<const Param> params;                        // kExecute, kExecutePrepared
  bool flag = false;                                    // kSetAutocommit, kSetReadOnly
  IsolationLevel isolation = IsolationLevel::kDefault;  // kSetIsolationLevel
};

// A statement's result; null for calls that return none.
using CallResult = std::shared_ptr<const ResultData>;

struct AWRAP_EXPORT ConnectRequest {
  ConnectSpec spec;      // host, credentials, timeouts, native options: plugins may change them
  bool initial = false;  // true for Connection::open, false for failover and other reconnects
};

namespace internal {
class PluginChain;  // src/core/plugin_chain.hpp
}  // namespace internal

// The rest of the chain after the current plugin. Cheap to copy.
class AWRAP_EXPORT NextCall {
 public:
  NextCall(const internal::PluginChain* chain, std::size_t index) noexcept
      : chain_(chain), index_(index) {}
  CallResult operator()(Call& call) const;

 private:
  const internal::PluginChain* chain_;
  std::size_t index_;
};

class AWRAP_EXPORT NextConnect {
 public:
  NextConnect(const internal::PluginChain* chain, std::size_t index) noexcept
      : chain_(chain), index_(index) {}
  std::unique_ptr<TargetConnection> operator()(ConnectRequest& request) const;

 private:
  const internal::PluginChain* chain_;
  std::size_t index_;
};

class AWRAP_EXPORT Plugin {
 public:
  virtual ~Plugin() = default;
  virtual std::string_view code() const noexcept = 0;
  // Methods this plugin wraps. Calls of other methods never reach it.
  virtual MethodSet subscribed_methods() const noexcept = 0;

  // Wraps a call of any subscribed method except kConnect.
  virtual CallResult call(Call& call, const NextCall& next) { return next(call); }
  // Wraps the opening of a physical connection (subscribe to kConnect).
  virtual std::unique_ptr<TargetConnection> connect(ConnectRequest& request,
                                                    const NextConnect& next) {
    return next(request);
  }

  // Events. The physical connection behind the Connection changed (failover, read/write switch).
  virtual void on_connection_changed(const HostInfo& /*old_host*/, const HostInfo& /*new_host*/) {}
  // The host list (topology) changed.
  virtual void on_host_list_changed() {}

  // Authentication plugins: how awrap's background connections (host-monitoring probes, the
  // topology monitor, MySQL cancel) get the credentials this plugin's connect() would set.
  // Null (the default): the plugin sets none.
  virtual std::shared_ptr<const BackgroundCredentials> background_credentials() const {
    return nullptr;
  }
};

// The door a plugin has to the Connection's shared state.
class AWRAP_EXPORT PluginService {
 public:
  virtual ~PluginService() = default;

  // The current physical connection; null while none is open. Owned by the Connection.
  virtual TargetConnection* current_connection() noexcept = 0;
  virtual HostInfo current_host() const = 0;
  // Replaces the physical connection (the old one is closed) and notifies every plugin. The
  // session is restored on the new connection first (settings made through the API, and the
  // recorded SQL settings, replayed in order). If that throws (the new connection lost, or an
  // API setting refused), the new connection is dropped and the current one kept.
  virtual void set_current_connection(std::unique_ptr<TargetConnection> connection) = 0;
  // What the last set_current_connection could not restore on the new connection
  // (FailoverError::session_state_not_restored has the meaning of each entry).
  virtual std::vector<std::string> session_state_not_restored() const { return {}; }
  // Opens a physical connection to `host` through the whole connect chain (so authentication
  // plugins apply) with the Connection's credentials and options. initial=false.
  virtual std::unique_ptr<TargetConnection> connect(const HostInfo& host) = 0;

  // The hosts awrap knows for this Connection (topology, or the conninfo's host list).
  virtual std::vector<HostInfo> hosts() const = 0;
  // Records a host's availability for every Connection in the process (shared, expiring).
  virtual void set_availability(const HostInfo& host, HostAvailability availability) = 0;
  virtual HostAvailability availability(const HostInfo& host) const = 0;

  virtual const Properties& properties() const noexcept = 0;
  virtual const TargetDriver& driver() const noexcept = 0;
  // The same driver, shared: for background work that may outlive this Connection (the
  // host-monitoring and response-time monitors, shared by Connections, make their probes with
  // TargetDriver::make_probe).
  virtual std::shared_ptr<const TargetDriver> shared_driver() const noexcept = 0;
  // The ConnectSpec of Connection::open (credentials, options) with the first host.
  virtual const ConnectSpec& initial_spec() const noexcept = 0;

  // Session settings the application made through the API, to restore on a new connection.
  virtual bool autocommit() const noexcept = 0;
  virtual bool read_only() const noexcept = 0;
  virtual IsolationLevel isolation_level() const noexcept = 0;

  // Fresh credentials for background connections to this Connection's hosts, through the
  // authentication plugins (background_credentials.hpp). Null when no plugin sets credentials:
  // the Connection's own user and password then hold.
  virtual std::shared_ptr<const BackgroundCredentials> background_credentials() const {
    return nullptr;
  }

  // The budget of each query a plugin runs on its own behalf on a connection the application
  // also uses (auxiliary_query_timeout_sec): tighten the connection's socket_timeout to it
  // around the query, and put the old one back after.
  virtual std::chrono::milliseconds auxiliary_query_timeout() const noexcept = 0;
  // connect(host), finished by `deadline`: the connect_timeout is cut to the time left (a plugin
  // with a budget of its own, e.g. a failover deadline, never waits past it). A deadline that
  // has passed leaves 1 ms, never "no limit".
  virtual std::unique_ptr<TargetConnection> connect_until(
      const HostInfo& host, std::chrono::steady_clock::time_point deadline) = 0;
  // Makes `connection` current and returns the previous one, open: a plugin that switches
  // between two servers (read/write splitting) keeps the other side's connection to switch back
  // without a new login. Unlike set_current_connection no session state is restored (the caller
  // carries it) and nothing is closed. Plugins hear of the change. A connection handed back keeps
  // the prepared statements it had. REQUIRES: `connection` is open. `host` is the host as the
  // topology names it (the connection may have been opened through a cluster endpoint); it
  // becomes current_host().
  virtual std::shared_ptr<TargetConnection> exchange_connection(
      std::shared_ptr<TargetConnection> connection, const HostInfo& host) = 0;

  // --- The application's event listeners of this Connection (awrap/events.hpp, docs/events.md).
  // A plugin reports what it did after doing it; a listener's exception is caught and logged
  // here, so reporting never throws and never changes what the plugin does next. Nothing is
  // delivered when the application set no such listener.
  // On the thread using the Connection (inside its call). A kFailed failover is delivered once
  // the Connection has been closed (after the FailoverFailedError left the chain).
  virtual void report_failover_started(const FailoverStartedEvent& event) noexcept { (void)event; }
  virtual void report_failover(const FailoverEvent& event) noexcept { (void)event; }
  // For background work that aborts this Connection's current physical connection (host
  // monitoring, the connection tracker): a listener that reports the abort to the application,
  // callable from any thread, also after the Connection is gone, and at most once per physical
  // connection (the first abort reported wins). Call it after abort(), holding none of awrap's
  // locks: not from inside a WriterReplacedListener, which runs under the topology's lock (the
  // built-in tracker defers it past that lock). Empty when the application does not listen: then
  // there is nothing to report. Ask again after the physical connection changes.
  virtual CallAbortedListener call_aborted_listener() const { return {}; }

  // --- The cluster (failover, read/write splitting, ... use these). The defaults answer "no
  // cluster".
  // The cluster flavour, detected on `connection` the first time (cached per endpoint), or the
  // one set by wrapper_dialect.
  virtual std::shared_ptr<const Dialect> dialect_for(TargetConnection& connection) {
    (void)connection;
    return nullptr;
  }
  // The shared topology monitor of this Connection's cluster; null when the target is a single
  // plain server (nothing to fail over to). Created on first use, over `connection`.
  virtual std::shared_ptr<ClusterTopology> topology_monitor_for(TargetConnection& connection) {
    (void)connection;
    return nullptr;
  }
  // The monitor if already created, else null.
  virtual std::shared_ptr<ClusterTopology> topology_monitor() const { return nullptr; }
  // The monitor other Connections to the same cluster already run (same cluster_id), adopted
  // by this Connection; null when there is none. Used when the first connect fails.
  virtual std::shared_ptr<ClusterTopology> existing_topology_monitor() { return nullptr; }
};

using PluginFactory =
    std::function<std::unique_ptr<Plugin>(PluginService& service, const Properties& properties)>;

struct AWRAP_EXPORT PluginRegistration {
  std::string code;   // the name used in wrapper_plugins
  int weight = 1000;  // lower runs outermost
  PluginFactory factory;
  std::string help{};  // one line for `awrap --help` and docs
  // The properties the plugin reads beyond the built-in ones: validated by Connection::open and
  // listed by `awrap --help`. The definitions must outlive the process (static storage).
  std::span<const PropertyDefinition> properties{};
};

// Adds a plugin to the process-wide registry (a documented registry; thread-safe). Throws
// ConfigError if the code is taken.
AWRAP_EXPORT void register_plugin(PluginRegistration registration);
// Every registered plugin, sorted by code. Thread-safe.
AWRAP_EXPORT std::vector<PluginRegistration> registered_plugins();

}  // namespace awrap
