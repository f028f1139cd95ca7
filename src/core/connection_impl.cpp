#include "core/connection_impl.hpp"

#include <cmath>

#include "awrap/errors.hpp"
#include "base/logging.hpp"
#include "core/auxiliary_timeout.hpp"
#include "core/credentials_chain.hpp"
#include "core/host_availability.hpp"
#include "core/plugin_registry.hpp"
#include "core/plugin_runtime.hpp"
#include "dialect/dialect.hpp"

#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace awrap::internal {
namespace {

// A positive value never rounds down to 0 ms, which the drivers read as "wait forever".
std::chrono::milliseconds seconds_to_ms(double seconds) {
  auto ms = static_cast<std::int64_t>(std::llround(seconds * 1000.0));
  if (seconds > 0 && ms < 1) ms = 1;
  return std::chrono::milliseconds(ms);
}

PropertyMap merge(PropertyMap base, const PropertyMap& overrides) {
  for (const auto& [k, v] : overrides) base[k] = v;
  return base;
}

}  // namespace

internal::ConnectionImpl::ConnectionImpl(ConnInfo info, const PropertyMap& overrides,
                                         std::shared_ptr<TargetDriver> driver,
                                         ConnectionEvents events)
    : properties_(Properties::parse(merge(std::move(info.options), overrides))),
      hosts_(std::move(info.hosts)),
      driver_(std::move(driver)),
      sql_engine_(driver_->engine() == "mysql" ? SqlEngine::kMysql : SqlEngine::kPostgres),
      events_(events.empty() ? nullptr : std::make_shared<const EventDelivery>(std::move(events))) {
  if (hosts_.empty()) hosts_.push_back(HostInfo{});
  for (auto& h : hosts_)
    if (h.port == 0 && !h.host.empty()) h.port = driver_->default_port();
  initial_spec_ = spec_for(hosts_.front());
  double auxiliary = properties_.get_decimal("auxiliary_query_timeout_sec");
  if (!(auxiliary > 0)) {
    std::ostringstream value;
    value << auxiliary;
    throw ConfigError("invalid value '" + value.str() +
                          "' for property 'auxiliary_query_timeout_sec': expected a number of "
                          "seconds above 0 (awrap's own queries always have a deadline)",
                      "auxiliary_query_timeout_sec");
  }
  auxiliary_timeout_ = seconds_to_ms(auxiliary);
  availability_strategy_ = host_availability_strategy_from(properties_);
  if (auto pattern = properties_.get_string("cluster_instance_host_pattern"); !pattern.empty())
    host_pattern_ = parse_host_pattern(pattern);
  if (auto code = properties_.get_string("wrapper_dialect"); !code.empty())
    dialect_ = make_dialect(code, driver_->engine());

  std::vector<Plugin*> order;
  for (auto& registration :
       resolve_plugins(properties_.get_list("wrapper_plugins"),
                       properties_.get_bool("auto_sort_wrapper_plugin_order"))) {
    plugins_.push_back(registration.factory(*this, properties_));
    order.push_back(plugins_.back().get());
  }
  chain_ = std::make_unique<PluginChain>(order, static_cast<ChainTerminal*>(this));
  background_credentials_ = chain_background_credentials(chain_->subscribers(Method::kConnect));
}

internal::ConnectionImpl::~ConnectionImpl() {
  close();
}

ConnectSpec internal::ConnectionImpl::spec_for(const HostInfo& host) const {
  ConnectSpec spec;
  spec.host = host;
  spec.user = properties_.get_string("user");
  spec.password = properties_.get_string("password");
  spec.database = properties_.get_string("dbname");
  spec.connect_timeout = seconds_to_ms(properties_.get_decimal("connect_timeout"));
  spec.socket_timeout = seconds_to_ms(properties_.get_decimal("socket_timeout"));
  spec.native_options = properties_.native();
  return spec;
}

void internal::ConnectionImpl::open() {
  std::string failures;
  for (const auto& host : hosts_) {
    ConnectRequest request{spec_for(host), /*initial=*/true};
    try {
      auto conn = chain_->connect(request);
      HostInfo identified = identify_host(*conn);
      {
        std::lock_guard lock(current_mutex_);
        current_host_ = identified;
        current_ = std::move(conn);
        generation_ = ++last_generation_;
      }
      if (const auto* reported = current_->reported_settings()) login_reported_ = reported->values;
      new_abort_listener();
      for (auto& plugin : plugins_) plugin->on_connection_changed(HostInfo{}, current_host_);
      return;
    } catch (const AuthError&) {
      throw;  // like libpq: a host that refuses the login ends the search
    } catch (const ConnectError& e) {
      AWRAP_LOG(kInfo) << "could not connect to " << host.endpoint() << ": " << e.what();
      failures += (failures.empty() ? "" : "; ") + std::string(e.what());
    } catch (const ConnectionLostError& e) {
      failures += (failures.empty() ? "" : "; ") + std::string(e.what());
    }
  }
  if (hosts_.size() == 1) throw ConnectError(failures, "08001", 0, hosts_.front().endpoint());
  throw ConnectError(
      "could not connect to any of " + std::to_string(hosts_.size()) + " hosts: " + failures,
      "08001");
}

void internal::ConnectionImpl::check_open() const {
  if (closed_) throw ConnectionClosedError("the connection is closed", "08003");
}

CallResult internal::ConnectionImpl::run(Call& call) {
  check_open();
  keep_reported_settings_before(call);
  CallResult result;
  try {
    result = call_chain(call);
  } catch (const QueryError&) {
    note_failed_call();
    note_transaction_end();
    throw;
  }
  remember_session_change(call);
  remember_session_sql(call);
  note_transaction_end();
  return result;
}

void internal::ConnectionImpl::note_failed_call() {
  if (!pending_sql_.empty() && current_ &&
      current_->transaction_status() != TransactionStatus::kInTransaction)
    pending_doomed_ = true;  // failed, or ended by the failure: it cannot commit any more
}

void internal::ConnectionImpl::remember_session_sql(const Call& call) {
  const TransactionStatus status =
      current_ ? current_->transaction_status() : TransactionStatus::kUnknown;
  if (!pending_sql_.empty()) {
    if (status == TransactionStatus::kInFailedTransaction) {
      pending_doomed_ = true;
    } else if (status == TransactionStatus::kIdle) {
      const bool committed =
          !pending_doomed_ &&
          (call.method == Method::kCommit || (call.method == Method::kSetAutocommit && call.flag) ||
           (call.method == Method::kExecute && commits_transaction(call.sql, sql_engine_)));
      if (committed)
        for (const auto& effect : pending_sql_) sql_session_.apply(effect);
      pending_sql_.clear();
      pending_doomed_ = false;
    }
  }
  if (call.method != Method::kExecute || !may_change_session(call.sql, sql_engine_)) return;
  // MySQL's SET, USE and temporary tables are not transactional; PostgreSQL's are.
  const bool transactional =
      sql_engine_ == SqlEngine::kPostgres && status == TransactionStatus::kInTransaction;
  for (auto& effect : session_effects(call.sql, sql_engine_)) {
    if (transactional)
      pending_sql_.push_back(std::move(effect));
    else
      sql_session_.apply(effect);
  }
}

// Reading the reports costs about 1500 instructions on PostgreSQL (libpq looks each name up in a
// list), so it is done only where a transaction may start, not on every call.
void internal::ConnectionImpl::keep_reported_settings_before(const Call& call) {
  if (sql_engine_ != SqlEngine::kPostgres || in_reported_transaction_ || !current_) return;
  const bool may_open = call.method == Method::kBegin || !autocommit_ ||
                        (call.method == Method::kExecute && may_open_transaction(call.sql));
  if (!may_open || current_->transaction_status() != TransactionStatus::kIdle) return;
  const auto* reported = current_->reported_settings();
  if (reported == nullptr) return;
  reported_before_transaction_ = reported->values;
  in_reported_transaction_ = true;
}

void internal::ConnectionImpl::note_transaction_end() {
  if (in_reported_transaction_ && current_ &&
      current_->transaction_status() == TransactionStatus::kIdle)
    in_reported_transaction_ = false;
}

CallResult internal::ConnectionImpl::call_chain(Call& call) {
  try {
    return chain_->call(call);
  } catch (const FailoverFailedError&) {
    // The documented state after FailoverFailedError: closed, so nothing that follows (a
    // Transaction's destructor, a retry loop) starts a second full failover on its own.
    close();
    if (failed_failover_ && events_) events_->failover(*failed_failover_);
    failed_failover_.reset();
    throw;
  }
}

void internal::ConnectionImpl::report_failover_started(const FailoverStartedEvent& event) noexcept {
  if (events_) events_->failover_started(event);
}

void internal::ConnectionImpl::report_failover(const FailoverEvent& event) noexcept {
  if (!events_) return;
  if (event.result != FailoverResult::kFailed) {
    events_->failover(event);
    return;
  }
  try {
    failed_failover_ = event;  // told once call_chain has closed the Connection
  } catch (const std::exception&) {
    events_->failover(event);  // no memory to keep it: told now rather than never
  }
}

void internal::ConnectionImpl::new_abort_listener() {
  if (events_) abort_listener_ = abort_listener_for_one_connection(events_);
}

void internal::ConnectionImpl::remember_session_change(const Call& call) {
  switch (call.method) {
    case Method::kSetAutocommit:
      autocommit_ = call.flag;
      break;
    case Method::kSetReadOnly:
      read_only_ = call.flag;
      break;
    case Method::kSetIsolationLevel:
      isolation_ = call.isolation;
      break;
    default:
      break;
  }
}

std::string internal::ConnectionImpl::prepare(std::string_view sql) {
  check_open();
  std::string name = "awrap_s" + std::to_string(++next_statement_id_);
  Call call{Method::kPrepare, sql, name, {}, false, IsolationLevel::kDefault};
  call_chain(call);
  prepared_on_generation_[name] = {generation_};
  return name;
}

CallResult internal::ConnectionImpl::execute_prepared(const PreparedStatement& statement,
                                                      std::span<const Param> params) {
  check_open();
  auto it = prepared_on_generation_.find(statement.name());
  if (it == prepared_on_generation_.end())
    throw QueryError("prepared statement '" + statement.name() +
                     "' was deallocated or belongs to another connection");
  if (!it->second.contains(generation_)) {
    // The physical connection changed (failover, read/write switch): this server does not know
    // the statement yet.
    Call again{Method::kPrepare,        statement.sql(), statement.name(), {}, false,
               IsolationLevel::kDefault};
    call_chain(again);
    it->second.insert(generation_);
  }
  Call call{Method::kExecutePrepared, statement.sql(), statement.name(), params, false,
            IsolationLevel::kDefault};
  return call_chain(call);
}

void internal::ConnectionImpl::deallocate(const PreparedStatement& statement) {
  check_open();
  auto it = prepared_on_generation_.find(statement.name());
  if (it == prepared_on_generation_.end()) return;
  // Dropped on the current connection; a kept read/write-splitting connection drops its copy
  // when it closes.
  bool on_current = it->second.contains(generation_);
  prepared_on_generation_.erase(it);
  if (!on_current) return;
  Call call{Method::kDeallocate, {}, statement.name(), {}, false, IsolationLevel::kDefault};
  call_chain(call);
}

void internal::ConnectionImpl::cancel() {
  std::shared_ptr<TargetConnection> target;
  {
    std::lock_guard lock(current_mutex_);
    if (closed_) return;
    target = current_;
  }
  // Without the lock: the round trip may take up to a connect timeout.
  if (target) target->cancel();
}

void internal::ConnectionImpl::close() noexcept {
  if (closed_.exchange(true)) return;
  try {
    Call call{Method::kClose, {}, {}, {}, false, IsolationLevel::kDefault};
    chain_->call(call);
  } catch (const std::exception& e) {
    AWRAP_LOG(kDebug) << "error while closing: " << e.what();
  }
  std::shared_ptr<TargetConnection> old;
  {
    std::lock_guard lock(current_mutex_);
    old = std::move(current_);
  }
  if (old) old->close();
}

TransactionStatus internal::ConnectionImpl::transaction_status() const {
  return current_ ? current_->transaction_status() : TransactionStatus::kUnknown;
}

void internal::ConnectionImpl::set_current_connection(
    std::unique_ptr<TargetConnection> connection) {
  HostInfo old_host = current_host_;
  {
    ScopedSocketTimeout bound(*connection, auxiliary_timeout_);
    restore_session_state(*connection);
  }
  std::shared_ptr<TargetConnection> old;
  {
    std::lock_guard lock(current_mutex_);
    old = std::move(current_);
    current_ = std::move(connection);
    current_host_ = current_->host();
    generation_ = ++last_generation_;
  }
  // Only now that the new connection is current: a failover that moves on to another candidate
  // replays (and reports) everything again there.
  sql_session_.keep_after_replay(replayed_);
  pending_sql_.clear();  // settings made in the transaction the failover lost ended with it
  pending_doomed_ = false;
  in_reported_transaction_ = false;
  new_abort_listener();
  // Plugins hear of the change before the old connection closes, so registries that track it
  // (aurora_connection_tracker) drop it first.
  for (auto& plugin : plugins_) plugin->on_connection_changed(old_host, current_host_);
  if (old) old->close();
}

std::shared_ptr<TargetConnection> internal::ConnectionImpl::exchange_connection(
    std::shared_ptr<TargetConnection> connection, const HostInfo& host) {
  HostInfo old_host = current_host_;
  std::shared_ptr<TargetConnection> old;
  {
    std::lock_guard lock(current_mutex_);
    old = std::move(current_);
    std::erase_if(parked_generations_, [](const auto& p) { return p.first.expired(); });
    if (old) parked_generations_.emplace_back(old, generation_);
    current_ = std::move(connection);
    current_host_ = host;
    generation_ = ++last_generation_;
    in_reported_transaction_ = false;
    for (auto it = parked_generations_.begin(); it != parked_generations_.end(); ++it)
      if (it->first.lock() == current_) {
        generation_ = it->second;
        parked_generations_.erase(it);
        break;
      }
  }
  new_abort_listener();
  for (auto& plugin : plugins_) plugin->on_connection_changed(old_host, current_host_);
  return old;
}

// SQL settings first, then the API's: with autocommit off the PostgreSQL driver would open a
// transaction for the first SET, and where both set the same thing the API's value is the one
// restored (docs/failover.md).
void internal::ConnectionImpl::restore_session_state(TargetConnection& connection) {
  replay_sql_settings(connection);
  restore_reported_settings(connection);
  if (!autocommit_) connection.set_autocommit(false);
  if (read_only_) connection.set_read_only(true);
  if (isolation_ != IsolationLevel::kDefault) connection.set_isolation_level(isolation_);
}

// A setting the new host refuses (a role or schema missing there) is not a reason to refuse the
// host: it is named in the failover error instead. Values are never logged (a custom setting may
// hold anything); the server's message may name them, as it does to the application.
void internal::ConnectionImpl::replay_sql_settings(TargetConnection& connection) {
  not_restored_.clear();
  std::vector<bool> replayed;
  for (const auto& setting : sql_session_.settings()) {
    try {
      connection.execute(setting.statement, {});
      replayed.push_back(true);
    } catch (const ConnectionLostError&) {
      throw;
    } catch (const QueryError& e) {
      replayed.push_back(false);
      AWRAP_LOG(kInfo) << "session setting " << setting.key << " not restored on "
                       << connection.host().endpoint() << ": " << e.what();
      not_restored_.push_back(setting.key + " (replay failed: " + e.what() + ")");
    }
  }
  for (auto& label : sql_session_.untracked()) not_restored_.push_back(std::move(label));
  replayed_ = std::move(replayed);
}

// After the statement record: a setting the record restored is not sent again, and what a
// function changed after a recorded SET wins, as it did on the old session.
// The old connection is still current_ here; a lost PostgreSQL connection keeps the last values
// the server reported.
void internal::ConnectionImpl::restore_reported_settings(TargetConnection& connection) {
  SettingValues last;
  if (in_reported_transaction_) {
    last = reported_before_transaction_;
  } else if (current_) {
    if (const auto* reported = current_->reported_settings()) last = reported->values;
  }
  if (last.empty()) return;
  const auto* reported = connection.reported_settings();
  const SettingValues restore =
      settings_to_restore(login_reported_, last, reported ? reported->values : SettingValues{});
  for (const auto& [name, value] : restore) {
    const std::string statement = restore_setting_statement(sql_engine_, name);
    if (statement.empty()) {
      not_restored_.push_back(name + " (reported by the server, not a settable name)");
      continue;
    }
    const auto params = restore_setting_parameters(sql_engine_, name, value);
    try {
      connection.execute(statement, params);
    } catch (const ConnectionLostError&) {
      throw;
    } catch (const QueryError& e) {
      AWRAP_LOG(kInfo) << "reported setting " << name << " not restored on "
                       << connection.host().endpoint() << ": " << e.what();
      not_restored_.push_back(name + " (replay failed: " + e.what() + ")");
    }
  }
}

std::unique_ptr<TargetConnection> internal::ConnectionImpl::connect(const HostInfo& host) {
  ConnectRequest request{spec_for(host), /*initial=*/false};
  return chain_->connect(request);
}

std::unique_ptr<TargetConnection> internal::ConnectionImpl::connect_until(
    const HostInfo& host, std::chrono::steady_clock::time_point deadline) {
  ConnectRequest request{spec_for(host), /*initial=*/false};
  request.spec.connect_timeout =
      tighter_timeout(request.spec.connect_timeout, time_left(deadline, time_.now()));
  return chain_->connect(request);
}

std::vector<HostInfo> internal::ConnectionImpl::hosts() const {
  std::vector<HostInfo> out = hosts_;
  if (monitor_)
    if (auto topology = monitor_->topology(); topology && !topology->hosts.empty())
      out = topology->hosts;
  for (auto& h : out) h.availability = host_availability_.get(h, availability_strategy_);
  return out;
}

void internal::ConnectionImpl::set_availability(const HostInfo& host,
                                                HostAvailability availability) {
  host_availability_.set(host, availability);
}

HostAvailability internal::ConnectionImpl::availability(const HostInfo& host) const {
  return host_availability_.get(host, availability_strategy_);
}

// The DefaultPlugin: the end of every chain.
CallResult internal::ConnectionImpl::call(Call& call) {
  TargetConnection* c = current_.get();
  if (call.method == Method::kClose) return nullptr;
  if (!c) throw ConnectionClosedError("no physical connection is open", "08003");
  switch (call.method) {
    case Method::kExecute:
      return c->execute(call.sql, call.params);
    case Method::kPrepare:
      c->prepare(call.statement_name, call.sql);
      return nullptr;
    case Method::kExecutePrepared:
      return c->execute_prepared(call.statement_name, call.params);
    case Method::kDeallocate:
      c->deallocate(call.statement_name);
      return nullptr;
    case Method::kBegin:
      c->begin();
      return nullptr;
    case Method::kCommit:
      c->commit();
      return nullptr;
    case Method::kRollback:
      c->rollback();
      return nullptr;
    case Method::kSetAutocommit:
      c->set_autocommit(call.flag);
      return nullptr;
    case Method::kSetReadOnly:
      c->set_read_only(call.flag);
      return nullptr;
    case Method::kSetIsolationLevel:
      c->set_isolation_level(call.isolation);
      return nullptr;
    case Method::kConnect:
    case Method::kClose:
    case Method::kCount:
      break;
  }
  return nullptr;
}

std::unique_ptr<TargetConnection> internal::ConnectionImpl::connect(ConnectRequest& request) {
  auto conn = driver_->connect(request.spec);
  conn->set_background_credentials(background_credentials_);
  last_connect_spec_ = request.spec;
  if (monitor_) monitor_->update_spec(request.spec);
  return conn;
}

HostInfo internal::ConnectionImpl::identify_host(TargetConnection& connection) {
  HostInfo host = connection.host();
  if (!monitor_) return host;
  // Reached through a cluster endpoint (a DNS name that moves): name the instance instead, so
  // the tracker and failover know which instance this connection is really on.
  TopologyPtr topology = monitor_->topology();
  if (!topology) return host;
  std::string id;
  if (dialect_) {
    ScopedSocketTimeout bound(connection, auxiliary_timeout_);
    id = dialect_->instance_id(connection);
  }
  for (const auto& h : topology->hosts)
    if ((!id.empty() && h.host_id == id) || h.same_endpoint(host)) return h;
  return host;
}

std::shared_ptr<const Dialect> internal::ConnectionImpl::dialect_for(TargetConnection& connection) {
  if (!dialect_) {
    ScopedSocketTimeout bound(connection, auxiliary_timeout_);
    dialect_ = detect_dialect_cached(*runtime_, connection, driver_->engine());
  }
  return dialect_;
}

std::shared_ptr<ClusterTopology> internal::ConnectionImpl::topology_monitor_for(
    TargetConnection& connection) {
  if (monitor_decided_) return monitor_;
  auto dialect = dialect_for(connection);
  ScopedSocketTimeout bound(connection, auxiliary_timeout_);
  std::vector<TopologyEntry> entries;
  if (dialect->reports_topology()) entries = dialect->query_topology(connection);
  monitor_decided_ = true;
  if (!dialect->reports_topology() && hosts_.size() < 2) return nullptr;  // a single plain server
  monitor_ = acquire_topology_monitor(*runtime_, monitor_config(dialect, entries));
  monitor_->refresh_using(connection);
  return monitor_;
}

std::string internal::ConnectionImpl::cluster_id() const {
  std::string id = properties_.get_string("cluster_id");
  return id.empty() ? default_cluster_id(hosts_) : id;
}

std::shared_ptr<ClusterTopology> internal::ConnectionImpl::existing_topology_monitor() {
  if (monitor_) return monitor_;
  auto monitor = find_topology_monitor(*runtime_, cluster_id());
  if (!monitor) return nullptr;
  monitor_ = monitor;
  dialect_ = std::shared_ptr<const Dialect>(monitor, &monitor->dialect());
  monitor_decided_ = true;
  return monitor_;
}

TopologyMonitorConfig internal::ConnectionImpl::monitor_config(
    std::shared_ptr<const Dialect> dialect, const std::vector<TopologyEntry>& entries) const {
  TopologyMonitorConfig config;
  config.cluster_id = cluster_id();
  config.driver = driver_;
  config.dialect = dialect;
  config.seed_hosts = hosts_;

  std::optional<HostPattern> pattern = host_pattern_;
  if (!pattern) {
    auto derived = instance_host_pattern_for(classify_rds_endpoint(hosts_.front().host));
    if (!derived.empty()) pattern = parse_host_pattern(derived);
  }
  bool need_pattern =
      std::any_of(entries.begin(), entries.end(), [](const auto& e) { return e.endpoint.empty(); });
  if (need_pattern && !pattern)
    throw ConfigError(
        "property 'cluster_instance_host_pattern' is required: the cluster reports instances "
        "by id and '" +
            hosts_.front().host +
            "' is not an RDS endpoint to derive their host names from (e.g. set "
            "cluster_instance_host_pattern=?.my-cluster.example.com)",
        "cluster_instance_host_pattern");
  int default_port = hosts_.front().port ? hosts_.front().port : driver_->default_port();
  config.map_entry = [pattern, default_port](const TopologyEntry& e) {
    HostInfo h;
    if (!e.endpoint.empty()) {
      h.host = e.endpoint;
      h.port = e.port ? e.port : default_port;
    } else {
      h.host = apply_host_pattern(*pattern, e.instance_id);
      h.port = pattern->port ? pattern->port : default_port;
    }
    return h;
  };

  ConnectSpec spec = last_connect_spec_;
  const auto& mon = properties_.monitoring();
  auto ms_or = [&](std::string_view name, std::chrono::milliseconds fallback) {
    auto it = mon.find(name);
    return it == mon.end() ? fallback : seconds_to_ms(std::atof(it->second.c_str()));
  };
  auto capped = [](std::chrono::milliseconds v, std::chrono::milliseconds cap) {
    return (v.count() == 0 || v > cap) ? cap : v;
  };
  // Monitoring connections must never hang: short deadlines unless the user says otherwise.
  spec.connect_timeout =
      ms_or("connect_timeout", capped(spec.connect_timeout, std::chrono::milliseconds(3000)));
  spec.socket_timeout = ms_or("socket_timeout", auxiliary_timeout_);
  for (const auto& [k, v] : mon)
    if (!find_property(k)) spec.native_options[k] = v;
  config.spec = spec;
  config.credentials = background_credentials_;
  config.refresh_interval = std::chrono::milliseconds(properties_.get_int("topology_refresh_ms"));
  config.high_rate_interval =
      std::chrono::milliseconds(properties_.get_int("cluster_topology_high_refresh_rate_ms"));
  config.unattended_probe_time =
      std::chrono::milliseconds(properties_.get_int("cluster_topology_unattended_probe_ms"));
  return config;
}

std::shared_ptr<internal::Runtime> runtime_of(const PluginService& service) {
  if (const auto* impl = dynamic_cast<const internal::ConnectionImpl*>(&service))
    return impl->runtime();
  return internal::Runtime::process();
}

}  // namespace awrap::internal
