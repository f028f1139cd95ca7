#include "plugin/read_write_splitting/read_write_splitting_plugin.hpp"

#include <algorithm>

#include "awrap/errors.hpp"
#include "base/logging.hpp"
#include "core/auxiliary_timeout.hpp"
#include "core/cluster_service.hpp"
#include "plugin/host_selector_config.hpp"
#include "plugin/read_write_splitting/read_write_splitting_properties.hpp"

namespace awrap {
namespace {

// The session settings a physical connection carries (what the application set through the API).
struct SessionState {
  bool autocommit = true;
  bool read_only = false;
  IsolationLevel isolation = IsolationLevel::kDefault;
};

HostRole role_in(const Topology& topology, const HostInfo& host) {
  for (const auto& h : topology.hosts)
    if (h.same_endpoint(host)) return h.role;
  return HostRole::kUnknown;
}

class ReadWriteSplittingPlugin final : public Plugin {
 public:
  ReadWriteSplittingPlugin(PluginService& service, const Properties& props)
      : service_(service),
        reader_selector_(host_selector_from(
            service, props, plugin::read_write_splitting::kReaderHostSelectorStrategy)) {}
  ~ReadWriteSplittingPlugin() override { drop_kept(); }
  ReadWriteSplittingPlugin(const ReadWriteSplittingPlugin&) = delete;
  ReadWriteSplittingPlugin& operator=(const ReadWriteSplittingPlugin&) = delete;

  std::string_view code() const noexcept override { return "read_write_splitting"; }
  MethodSet subscribed_methods() const noexcept override {
    return {Method::kSetReadOnly, Method::kClose};
  }

  CallResult call(Call& call, const NextCall& next) override {
    if (call.method == Method::kClose) {
      drop_kept();
      return next(call);
    }
    TopologyPtr topology = cluster_topology();
    // A single plain server (or no topology yet): the Connection stays where it is.
    if (!topology) return next(call);
    HostRole wanted = call.flag ? HostRole::kReader : HostRole::kWriter;
    HostRole side = role_in(*topology, service_.current_host());
    if (side == wanted) return next(call);
    // No reader in the cluster: the writer serves the reads, as Aurora's reader endpoint does.
    if (call.flag && topology->readers().empty()) return next(call);
    refuse_inside_transaction(call.flag);
    if (!call.flag && !topology->writer())
      throw ReadWriteSplittingError(
          "set_read_only(false): the cluster has no known writer right now (a failover in "
          "progress?); the Connection stays on its reader, read-only",
          "08001", 0, service_.current_host().endpoint());
    bool moved = call.flag ? switch_to_reader(*topology) : switch_to_writer(*topology);
    return moved ? nullptr : next(call);
  }

  void on_connection_changed(const HostInfo&, const HostInfo&) override {
    // Failover moved the Connection: the kept connection may be on a demoted writer or a dead
    // reader; the next switch opens a fresh one.
    if (!switching_) drop_kept();
  }

 private:
  TopologyPtr cluster_topology() {
    auto& cluster = cluster_service(service_);
    auto monitor = cluster.topology_monitor();
    if (!monitor)
      if (TargetConnection* current = service_.current_connection())
        monitor = cluster.topology_monitor_for(*current);
    return monitor ? monitor->topology() : nullptr;
  }

  void refuse_inside_transaction(bool read_only) {
    TargetConnection* current = service_.current_connection();
    if (!current) return;
    auto status = current->transaction_status();
    if (status != TransactionStatus::kInTransaction &&
        status != TransactionStatus::kInFailedTransaction)
      return;
    throw ReadWriteSplittingError(std::string("set_read_only(") + (read_only ? "true" : "false") +
                                      ") inside a transaction: the Connection cannot move to the " +
                                      (read_only ? "reader" : "writer") +
                                      " before the transaction ends (commit or roll " +
                                      "back first)",
                                  "25001", 0, service_.current_host().endpoint());
  }

  // The state the application asked for, with read-only as the call being made sets it.
  SessionState wanted_state(bool read_only) const {
    return {service_.autocommit(), read_only, service_.isolation_level()};
  }

  // Moves the Connection to a reader: the kept one when it is still a reader, else one the
  // strategy picks (another when one cannot be reached). False when no reader could be reached:
  // the Connection stays on the writer.
  bool switch_to_reader(const Topology& topology) {
    if (kept_ && kept_role_ == HostRole::kReader &&
        role_in(topology, kept_host_) == HostRole::kReader &&
        service_.availability(kept_host_) == HostAvailability::kAvailable &&
        use_kept(/*read_only=*/true))
      return true;
    std::vector<HostInfo> candidates;
    for (auto h : topology.readers()) {
      h.role = HostRole::kReader;
      h.availability = service_.availability(h);
      candidates.push_back(h);
    }
    while (!candidates.empty()) {
      auto chosen = reader_selector_->select(candidates, HostRole::kReader);
      if (!chosen) {  // all marked down: try them anyway
        for (auto& h : candidates) h.availability = HostAvailability::kAvailable;
        chosen = reader_selector_->select(candidates, HostRole::kReader);
      }
      if (!chosen) break;
      try {
        std::shared_ptr<TargetConnection> conn = service_.connect(*chosen);
        use_new(std::move(conn), *chosen, HostRole::kReader, /*read_only=*/true);
        return true;
      } catch (const AuthError&) {
        throw;
      } catch (const ConnectError& e) {
        service_.set_availability(*chosen, HostAvailability::kUnavailable);
        AWRAP_LOG(kInfo) << "read_write_splitting: reader " << chosen->endpoint()
                         << " unreachable: " << e.what();
      } catch (const Error& e) {
        AWRAP_LOG(kInfo) << "read_write_splitting: reader " << chosen->endpoint() << ": "
                         << e.what();
      }
      std::erase_if(candidates, [&](const HostInfo& h) { return h.same_endpoint(*chosen); });
    }
    AWRAP_LOG(kInfo) << "read_write_splitting: no reader could be reached; staying on the writer "
                     << service_.current_host().endpoint();
    return false;
  }

  bool switch_to_writer(const Topology& topology) {
    const HostInfo writer = *topology.writer();
    if (kept_ && kept_role_ == HostRole::kWriter && kept_host_.same_endpoint(writer) &&
        use_kept(/*read_only=*/false))
      return true;
    try {
      std::shared_ptr<TargetConnection> conn = service_.connect(writer);
      use_new(std::move(conn), writer, HostRole::kWriter, /*read_only=*/false);
      return true;
    } catch (const Error& e) {
      throw ReadWriteSplittingError(
          "set_read_only(false) could not move the Connection to the "
          "writer " +
              writer.endpoint() + ": " + e.what() + "; it stays on the reader, read-only",
          e.sqlstate().empty() ? "08001" : e.sqlstate(), 0, writer.endpoint());
    }
  }

  // Switches to the kept connection after bringing its session settings up to date. False (and
  // the kept connection closed) when it no longer answers.
  bool use_kept(bool read_only) {
    if (kept_->transaction_status() == TransactionStatus::kUnknown) {
      drop_kept();
      return false;
    }
    SessionState target = wanted_state(read_only);
    try {
      apply(*kept_, kept_state_, target);
    } catch (const Error& e) {
      AWRAP_LOG(kInfo) << "read_write_splitting: kept connection to " << kept_host_.endpoint()
                       << " unusable: " << e.what();
      drop_kept();
      return false;
    }
    auto conn = std::move(kept_);
    HostInfo host = kept_host_;
    exchange(std::move(conn), host, kept_role_);
    return true;
  }

  // Switches to a newly opened connection (session settings applied first); the previous
  // connection is kept, a kept one of the same side closed.
  void use_new(std::shared_ptr<TargetConnection> conn, const HostInfo& host, HostRole role,
               bool read_only) {
    SessionState target = wanted_state(read_only);
    try {
      apply(*conn, SessionState{}, target);
    } catch (...) {
      conn->close();
      throw;
    }
    drop_kept();
    AWRAP_LOG(kDebug) << "read_write_splitting: opened " << to_string(role) << " connection to "
                      << host.endpoint();
    exchange(std::move(conn), host, role);
  }

  // Makes `conn` (on `host`, of `role`) current and keeps the one it replaces, with the settings
  // and the host it had.
  void exchange(std::shared_ptr<TargetConnection> conn, const HostInfo& host, HostRole role) {
    SessionState leaving = wanted_state(service_.read_only());
    HostInfo leaving_host = service_.current_host();
    switching_ = true;
    std::shared_ptr<TargetConnection> old;
    try {
      old = cluster_service(service_).exchange_connection(std::move(conn), host);
    } catch (...) {
      switching_ = false;
      throw;
    }
    switching_ = false;
    kept_ = std::move(old);
    kept_state_ = leaving;
    kept_host_ = leaving_host;
    kept_role_ = role == HostRole::kReader ? HostRole::kWriter : HostRole::kReader;
  }

  // Brings `conn` from the settings it has to those wanted, each within
  // auxiliary_query_timeout_sec; only what differs costs a round trip.
  void apply(TargetConnection& conn, const SessionState& has, const SessionState& wanted) {
    ScopedSocketTimeout bound(conn, cluster_service(service_).auxiliary_query_timeout());
    if (has.autocommit != wanted.autocommit) conn.set_autocommit(wanted.autocommit);
    if (has.isolation != wanted.isolation) conn.set_isolation_level(wanted.isolation);
    if (has.read_only != wanted.read_only) conn.set_read_only(wanted.read_only);
  }

  void drop_kept() noexcept {
    if (!kept_) return;
    try {
      kept_->close();
    } catch (const std::exception& e) {
      AWRAP_LOG(kDebug) << "read_write_splitting: closing the kept connection: " << e.what();
    }
    kept_.reset();
  }

  PluginService& service_;
  std::unique_ptr<HostSelector> reader_selector_;
  // The other side's physical connection, open and idle, with the settings it carries.
  std::shared_ptr<TargetConnection> kept_;
  SessionState kept_state_;
  HostInfo kept_host_;
  HostRole kept_role_ = HostRole::kUnknown;
  bool switching_ = false;  // our own exchange is notifying the plugins
};

}  // namespace

PluginRegistration make_read_write_splitting_registration() {
  // Weight 300: outside failover (400), so a reader that fails is failed over by it, and inside
  // the authentication plugins, so every connection it opens logs in the same way.
  constexpr int weight = 300;
  return {"read_write_splitting", weight,
          [](PluginService& service, const Properties& props) {
            return std::make_unique<ReadWriteSplittingPlugin>(service, props);
          },
          "set_read_only(true) moves the connection to a reader (reader_host_selector_strategy), "
          "set_read_only(false) back to the writer; both sides stay open, so switching costs no "
          "new login.",
          plugin::read_write_splitting::kReadWriteSplittingProperties};
}

}  // namespace awrap
