// internal::ConnectionImpl: owns the physical connection, the plugins and their chains, and is the
// PluginService the plugins see.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "awrap/connection.hpp"
#include "awrap/ext/plugin.hpp"
#include "base/process_fork.hpp"
#include "base/runtime.hpp"
#include "base/time_source.hpp"
#include "core/conninfo.hpp"
#include "core/event_delivery.hpp"
#include "core/host_availability.hpp"
#include "core/plugin_chain.hpp"
#include "core/reported_settings.hpp"
#include "core/session_sql.hpp"
#include "core/sql_session_state.hpp"
#include "dialect/dialect.hpp"
#include "topology/rds_endpoint.hpp"
#include "topology/topology_monitor.hpp"

namespace awrap::internal {

class ConnectionImpl final : public PluginService, private ChainTerminal {
 public:
  // Validates everything and builds the plugins; does not connect. Throws ConfigError.
  ConnectionImpl(ConnInfo info, const PropertyMap& overrides, std::shared_ptr<TargetDriver> driver,
                 ConnectionEvents events = {});
  ~ConnectionImpl() override;
  ConnectionImpl(const ConnectionImpl&) = delete;
  ConnectionImpl& operator=(const ConnectionImpl&) = delete;

  // Connects to the first host that accepts, in order (an AuthError stops the search).
  void open();

  CallResult run(Call& call);
  std::string prepare(std::string_view sql);
  CallResult execute_prepared(const PreparedStatement& statement, std::span<const Param> params);
  void deallocate(const PreparedStatement& statement);
  void cancel();
  void close() noexcept;
  bool is_closed() const noexcept { return closed_; }
  // True in a fork() child for a Connection the parent opened: its sessions are the parent's,
  // so the child may only close it (which sends nothing on them).
  bool inherited_from_parent() const noexcept { return fork_generation() != fork_generation_; }
  TransactionStatus transaction_status() const;

  // PluginService
  TargetConnection* current_connection() noexcept override { return current_.get(); }
  HostInfo current_host() const override { return current_host_; }
  void set_current_connection(std::unique_ptr<TargetConnection> connection) override;
  std::vector<std::string> session_state_not_restored() const override { return not_restored_; }
  std::unique_ptr<TargetConnection> connect(const HostInfo& host) override;
  std::vector<HostInfo> hosts() const override;
  void set_availability(const HostInfo& host, HostAvailability availability) override;
  HostAvailability availability(const HostInfo& host) const override;
  const Properties& properties() const noexcept override { return properties_; }
  const TargetDriver& driver() const noexcept override { return *driver_; }
  std::shared_ptr<const TargetDriver> shared_driver() const noexcept override { return driver_; }
  const ConnectSpec& initial_spec() const noexcept override { return initial_spec_; }
  bool autocommit() const noexcept override { return autocommit_; }
  bool read_only() const noexcept override { return read_only_; }
  IsolationLevel isolation_level() const noexcept override { return isolation_; }
  std::shared_ptr<const BackgroundCredentials> background_credentials() const override {
    return background_credentials_;
  }

  std::shared_ptr<const Dialect> dialect_for(TargetConnection& connection) override;
  std::shared_ptr<ClusterTopology> topology_monitor_for(TargetConnection& connection) override;
  std::shared_ptr<ClusterTopology> topology_monitor() const override { return monitor_; }
  // The same monitor as awrap's own type (its thread counts, for tests).
  const std::shared_ptr<TopologyMonitor>& cluster_monitor() const noexcept { return monitor_; }
  std::shared_ptr<ClusterTopology> existing_topology_monitor() override;
  std::chrono::milliseconds auxiliary_query_timeout() const noexcept override {
    return auxiliary_timeout_;
  }
  std::unique_ptr<TargetConnection> connect_until(
      const HostInfo& host, std::chrono::steady_clock::time_point deadline) override;
  std::shared_ptr<TargetConnection> exchange_connection(
      std::shared_ptr<TargetConnection> connection, const HostInfo& host) override;
  void report_failover_started(const FailoverStartedEvent& event) noexcept override;
  void report_failover(const FailoverEvent& event) noexcept override;
  CallAbortedListener call_aborted_listener() const override { return abort_listener_; }

  const PluginChain& chain() const noexcept { return *chain_; }
  // The Runtime this Connection was made under; it lives at least as long as the Connection.
  const std::shared_ptr<internal::Runtime>& runtime() const noexcept { return runtime_; }
  HostAvailabilityRegistry& host_availability() const noexcept { return host_availability_; }

 private:
  // ChainTerminal: the native driver.
  CallResult call(Call& call) override;
  std::unique_ptr<TargetConnection> connect(ConnectRequest& request) override;

  void check_open() const;
  // The chain, except that FailoverFailedError closes the Connection before it propagates.
  CallResult call_chain(Call& call);
  ConnectSpec spec_for(const HostInfo& host) const;
  void restore_session_state(TargetConnection& connection);
  void replay_sql_settings(TargetConnection& connection);
  void restore_reported_settings(TargetConnection& connection);
  // PostgreSQL: before a call that may open a transaction on an idle session, keeps what the
  // server reports of the settings, so that a failover inside the transaction gives the new
  // session the values from before it (reported_settings.hpp).
  void keep_reported_settings_before(const Call& call);
  void note_transaction_end();
  HostInfo identify_host(TargetConnection& connection);
  void remember_session_change(const Call& call);
  // Records the session state a successful statement set with SQL (session_sql.hpp).
  void remember_session_sql(const Call& call);
  void note_failed_call();
  // A new physical connection is current: its aborts are reported on their own.
  void new_abort_listener();
  std::string cluster_id() const;
  TopologyMonitorConfig monitor_config(std::shared_ptr<const Dialect> dialect,
                                       const std::vector<TopologyEntry>& entries) const;

  // First, so destroyed last: the plugins, monitors and tasks below use its services.
  const std::shared_ptr<internal::Runtime> runtime_ = internal::Runtime::process();
  HostAvailabilityRegistry& host_availability_ = runtime_->get<HostAvailabilityRegistry>();
  TimeSource& time_ = runtime_->get<TimeSource>();  // deadlines of connect_until

  Properties properties_;
  std::vector<HostInfo> hosts_;
  ConnectSpec initial_spec_;
  std::shared_ptr<TargetDriver> driver_;
  std::vector<std::unique_ptr<Plugin>> plugins_;
  std::unique_ptr<PluginChain> chain_;
  // The authentication plugins' credentials for monitors and cancel(); null without such plugins.
  std::shared_ptr<const BackgroundCredentials> background_credentials_;

  // Written only by the owning thread, under current_mutex_. Shared, so that cancel() can copy it
  // under the mutex and run its network round trip without the lock: a failover or close() on
  // the owner thread never waits for a cancel, and the connection outlives the cancel using it.
  std::shared_ptr<TargetConnection> current_;
  mutable std::mutex current_mutex_;
  HostInfo current_host_;
  std::uint64_t generation_ = 0;  // one per physical connection
  std::uint64_t last_generation_ = 0;
  // Generations of connections handed out by exchange_connection, to restore when they return.
  // Weak, so that a connection destroyed meanwhile is never mistaken for a new one at its address.
  std::vector<std::pair<std::weak_ptr<TargetConnection>, std::uint64_t>> parked_generations_;

  bool autocommit_ = true;
  bool read_only_ = false;
  IsolationLevel isolation_ = IsolationLevel::kDefault;
  SqlEngine sql_engine_ = SqlEngine::kPostgres;
  // Settings made with SQL, to replay after a failover. PostgreSQL undoes a SET made inside a
  // transaction that rolls back: those wait in pending_sql_ until the transaction ends, and are
  // applied only if it committed (pending_doomed_: a statement in it failed, so it cannot).
  SqlSessionState sql_session_;
  std::vector<SessionEffect> pending_sql_;
  bool pending_doomed_ = false;
  // What the server reported of the session's settings right after the first login, and, while
  // a PostgreSQL transaction is open (reported_before_transaction_), as it was before the
  // transaction: a setting changed in a transaction the failover lost is not carried over.
  // Otherwise a failover reads the old connection's last report.
  SettingValues login_reported_;
  SettingValues reported_before_transaction_;
  bool in_reported_transaction_ = false;
  std::vector<std::string> not_restored_;  // by the last set_current_connection
  std::vector<bool> replayed_;             // which settings() the last replay restored
  std::atomic<bool> closed_{false};        // read by cancel() from any thread
  const std::uint64_t fork_generation_ = fork_generation();

  std::chrono::milliseconds auxiliary_timeout_{5000};  // auxiliary_query_timeout_sec
  HostAvailabilityStrategy availability_strategy_;     // default_host_availability_strategy
  std::optional<HostPattern> host_pattern_;  // cluster_instance_host_pattern, validated at open
  ConnectSpec last_connect_spec_;  // as the auth plugins left it: what monitors connect with
  std::shared_ptr<const Dialect> dialect_;
  std::shared_ptr<TopologyMonitor> monitor_;
  bool monitor_decided_ = false;

  // The application's listeners; null when it set none (nothing is built or delivered then).
  std::shared_ptr<const EventDelivery> events_;
  CallAbortedListener abort_listener_;  // of the current physical connection
  // A FailoverFailedError's event, delivered once call_chain has closed the Connection.
  std::optional<FailoverEvent> failed_failover_;

  std::uint64_t next_statement_id_ = 0;
  // Statement name -> the generations (physical connections) it is prepared on.
  std::unordered_map<std::string, std::set<std::uint64_t>> prepared_on_generation_;
};

// Internal construction of Connections (tests and benchmarks inject a driver).
struct ConnectionAccess {
  static Connection open(std::string_view conninfo, const PropertyMap& properties,
                         std::shared_ptr<TargetDriver> driver, ConnectionEvents events = {});
  static internal::ConnectionImpl& impl(Connection& connection) { return connection.impl(); }
};

}  // namespace awrap::internal
