#include "plugin/read_write_splitting/read_write_splitting_plugin.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

#include "awrap/errors.hpp"
#include "base/logging.hpp"
#include "base/time_source.hpp"
#include "core/auxiliary_timeout.hpp"
#include "core/plugin_runtime.hpp"
#include "plugin/host_selector_config.hpp"
#include "plugin/read_write_splitting/read_consistency.hpp"
#include "plugin/read_write_splitting/read_write_splitting_properties.hpp"

namespace awrap::internal {
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
        runtime_(runtime_of(service)),
        time_(runtime_->get<internal::TimeSource>()),
        reader_selector_(host_selector_from(
            service, props, plugin::read_write_splitting::kReaderHostSelectorStrategy)),
        session_consistency_(props.get_choice(plugin::read_write_splitting::kReadConsistency) ==
                             "session"),
        consistency_timeout_(
            props.get_int(plugin::read_write_splitting::kReadConsistencyTimeoutMs)),
        pg_(service.driver().engine() == "pg") {}
  ~ReadWriteSplittingPlugin() override { drop_kept(); }
  ReadWriteSplittingPlugin(const ReadWriteSplittingPlugin&) = delete;
  ReadWriteSplittingPlugin& operator=(const ReadWriteSplittingPlugin&) = delete;

  std::string_view code() const noexcept override { return "read_write_splitting"; }
  MethodSet subscribed_methods() const noexcept override {
    if (session_consistency_)
      return {Method::kSetReadOnly, Method::kClose, Method::kExecute, Method::kExecutePrepared,
              Method::kCommit};
    return {Method::kSetReadOnly, Method::kClose};
  }

  CallResult call(Call& call, const NextCall& next) override {
    if (call.method == Method::kClose) {
      drop_kept();
      return next(call);
    }
    if (call.method != Method::kSetReadOnly) {
      note_statement();
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
    if (switching_) return;
    drop_kept();
    // PostgreSQL: the new writer's WAL position is what a reader must reach now (a new timeline).
    if (pg_) may_have_written_ = true;
  }

 private:
  TopologyPtr cluster_topology() {
    auto monitor = service_.topology_monitor();
    if (!monitor)
      if (TargetConnection* current = service_.current_connection())
        monitor = service_.topology_monitor_for(*current);
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
    std::optional<std::string> position;
    if (session_consistency_) {
      position = session_position();
      // The session wrote and the server cannot say where: no reader can be shown to have it.
      if (!position) return stay_on_writer("any reader", position);
    }
    if (kept_ && kept_role_ == HostRole::kReader &&
        role_in(topology, kept_host_) == HostRole::kReader &&
        service_.availability(kept_host_) == HostAvailability::kAvailable) {
      if (replayed(*kept_, kept_host_, position)) {
        if (use_kept(/*read_only=*/true)) return true;
      } else if (!kept_->is_broken()) {
        return stay_on_writer(kept_host_.endpoint(), position);
      } else {
        drop_kept();  // died while asked: another reader may do
      }
    }
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
        if (replayed(*conn, *chosen, position)) {
          use_new(std::move(conn), *chosen, HostRole::kReader, /*read_only=*/true);
          return true;
        }
        if (!conn->is_broken()) {
          keep_reader(std::move(conn), *chosen);
          return stay_on_writer(chosen->endpoint(), position);
        }
        conn->close();  // died while asked: try another reader
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
      old = service_.exchange_connection(std::move(conn), host);
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
    ScopedSocketTimeout bound(conn, service_.auxiliary_query_timeout());
    if (has.autocommit != wanted.autocommit) conn.set_autocommit(wanted.autocommit);
    if (has.isolation != wanted.isolation) conn.set_isolation_level(wanted.isolation);
    if (has.read_only != wanted.read_only) conn.set_read_only(wanted.read_only);
  }

  // ---- read_consistency=session ----

  // A statement on the writer (the Connection is not read-only) may write: the next switch to a
  // reader waits for the position after it. On MariaDB the writer session is first asked to
  // report its last GTID with every answer (once per physical connection).
  void note_statement() {
    if (service_.read_only()) return;
    may_have_written_ = true;
    if (pg_) return;
    TargetConnection* current = service_.current_connection();
    if (!current || (current == tracked_ && current->server_session_id() == tracked_session_))
      return;
    try {
      ScopedSocketTimeout bound(*current, service_.auxiliary_query_timeout());
      tracking_ = current->track_commit_position();
    } catch (const Error& e) {
      // The statement that follows meets the same trouble and reports it; without tracking a
      // later switch keeps the reads on the writer.
      AWRAP_LOG(kDebug) << "read_write_splitting: cannot track the commit position on "
                        << service_.current_host().endpoint() << ": " << e.what();
      tracking_ = false;
    }
    tracked_ = current;
    tracked_session_ = current->server_session_id();
  }

  // Where the session's last write is in the replication stream: empty when it wrote nothing
  // since the start, nullopt when it may have written and the position cannot be known.
  // PostgreSQL: one round trip to the writer, only when a statement ran there since the last.
  std::optional<std::string> session_position() {
    TargetConnection* writer = service_.current_connection();
    if (pg_) {
      if (may_have_written_ && writer) {
        ScopedSocketTimeout bound(*writer, service_.auxiliary_query_timeout());
        auto lsn = writer->execute("SELECT pg_catalog.pg_current_wal_insert_lsn()::text", {});
        end_own_transaction(*writer);
        if (lsn->row_count() != 1 || lsn->is_null(0, 0)) return std::nullopt;
        position_ = std::string(lsn->value(0, 0));
        may_have_written_ = false;
      }
      return position_;
    }
    if (!may_have_written_) return position_;
    if (!tracking_ || !writer || writer != tracked_) return std::nullopt;
    std::string reported = writer->commit_position();
    if (!reported.empty()) position_ = std::move(reported);
    may_have_written_ = false;
    return position_;
  }

  // Whether `reader` (a session on `host`) has replayed `position`, waiting for it at most
  // read_consistency_timeout_ms. Always true with read_consistency=eventual.
  bool replayed(TargetConnection& reader, const HostInfo& host,
                const std::optional<std::string>& position) {
    if (!session_consistency_) return true;
    const bool same_session =
        &reader == reached_on_ && reader.server_session_id() == reached_session_;
    auto need = read_consistency::replay_need(position, reached_position_, same_session);
    if (need == read_consistency::ReplayNeed::kNone) return true;
    if (need == read_consistency::ReplayNeed::kUnknown ||
        !read_consistency::is_replication_position(*position))
      return false;
    const auto started = time_.now();
    bool reached = false;
    try {
      reached = pg_ ? wait_pg(reader, *position, started) : wait_mariadb(reader, *position);
      end_own_transaction(reader);
    } catch (const Error& e) {
      AWRAP_LOG(kDebug) << "read_write_splitting: waiting on reader " << host.endpoint()
                        << " for position " << *position << ": " << e.what();
      return false;
    }
    AWRAP_LOG(kDebug)
        << "read_write_splitting: waited "
        << std::chrono::duration_cast<std::chrono::microseconds>(time_.now() - started).count()
        << " us for reader " << host.endpoint() << " to replay " << *position
        << (reached ? ": done" : ": not within the timeout");
    if (reached) {
      reached_position_ = *position;
      reached_on_ = &reader;
      reached_session_ = reader.server_session_id();
    }
    return reached;
  }

  bool wait_pg(TargetConnection& reader, const std::string& lsn,
               std::chrono::steady_clock::time_point started) {
    const std::string sql = read_consistency::pg_replayed_sql(lsn);
    const auto deadline = started + consistency_timeout_;
    for (int polls = 0;; ++polls) {
      {
        ScopedSocketTimeout bound(reader, time_left(deadline, time_.now()) + auxiliary_timeout());
        auto answer = reader.execute(sql, {});
        if (answer->row_count() == 1 && !answer->is_null(0, 0) && answer->value(0, 0) == "t")
          return true;
      }
      auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(time_.now() - started);
      auto pause = read_consistency::next_replay_poll(waited, polls, consistency_timeout_);
      if (!pause) return false;
      time_.sleep_until(time_.now() + *pause);
    }
  }

  bool wait_mariadb(TargetConnection& reader, const std::string& gtid) {
    // The server waits (bounded by the timeout it is given); the socket only guards against a
    // reader that stopped answering altogether.
    ScopedSocketTimeout bound(reader, consistency_timeout_ + auxiliary_timeout());
    auto answer =
        reader.execute(read_consistency::mariadb_gtid_wait_sql(gtid, consistency_timeout_), {});
    return answer->row_count() == 1 && !answer->is_null(0, 0) && answer->value(0, 0) == "0";
  }

  // With autocommit off the drivers open a transaction at the first statement: one opened by the
  // plugin's own query is ended, so the application's next statement takes a fresh snapshot
  // (under REPEATABLE READ one taken before the replay would hide the very write awaited).
  void end_own_transaction(TargetConnection& conn) {
    if (conn.transaction_status() != TransactionStatus::kInTransaction) return;
    ScopedSocketTimeout bound(conn, auxiliary_timeout());
    conn.rollback();  // only the plugin's SELECT ran in it
  }

  std::chrono::milliseconds auxiliary_timeout() { return service_.auxiliary_query_timeout(); }

  // The reader is too far behind (or cannot be asked): the reads stay on the writer, which has
  // every write of the session. set_read_only(true) then makes the writer session read-only.
  bool stay_on_writer(std::string_view reader, const std::optional<std::string>& position) {
    ++writer_fallbacks_;
    AWRAP_LOG(kDebug) << "read_write_splitting: read_consistency=session: reader " << reader
                      << " has not replayed "
                      << (position ? *position : std::string("an unknown position")) << " within "
                      << consistency_timeout_.count() << " ms; reads stay on the writer "
                      << service_.current_host().endpoint() << " (fallback " << writer_fallbacks_
                      << ")";
    return false;
  }

  // A reader connection opened but not (yet) caught up: kept for the next switch, so a lagging
  // reader does not cost a login each time.
  void keep_reader(std::shared_ptr<TargetConnection> conn, const HostInfo& host) {
    drop_kept();
    kept_ = std::move(conn);
    kept_state_ = SessionState{};
    kept_host_ = host;
    kept_role_ = HostRole::kReader;
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
  std::shared_ptr<internal::Runtime> runtime_;  // keeps time_ alive
  internal::TimeSource& time_;                  // read-consistency waits
  std::unique_ptr<HostSelector> reader_selector_;
  // The other side's physical connection, open and idle, with the settings it carries.
  std::shared_ptr<TargetConnection> kept_;
  SessionState kept_state_;
  HostInfo kept_host_;
  HostRole kept_role_ = HostRole::kUnknown;
  bool switching_ = false;  // our own exchange is notifying the plugins

  // read_consistency=session
  const bool session_consistency_;
  const std::chrono::milliseconds consistency_timeout_;
  const bool pg_;
  bool may_have_written_ = false;  // a statement ran on the writer since position_ was taken
  std::string position_;           // the session's last known write position; empty: none
  // MariaDB: the writer session asked to report its last GTID (identity: address and id).
  const TargetConnection* tracked_ = nullptr;
  std::int64_t tracked_session_ = 0;
  bool tracking_ = false;
  // The last position a reader session was seen to have replayed, and that session.
  std::string reached_position_;
  const TargetConnection* reached_on_ = nullptr;
  std::int64_t reached_session_ = 0;
  std::uint64_t writer_fallbacks_ = 0;
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

}  // namespace awrap::internal
