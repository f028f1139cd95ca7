#include "plugin/failover/failover_plugin.hpp"

#include <algorithm>
#include <cctype>

#include "awrap/errors.hpp"
#include "base/logging.hpp"
#include "base/time_source.hpp"
#include "core/auxiliary_timeout.hpp"
#include "core/plugin_runtime.hpp"
#include "plugin/endpoint_role.hpp"
#include "plugin/failover/failover_candidates.hpp"
#include "plugin/failover/failover_mode.hpp"
#include "plugin/failover/lost_call.hpp"
#include "plugin/failover/session_loss.hpp"
#include "plugin/failover/statement_kind.hpp"
#include "plugin/host_selector_config.hpp"
#include "plugin/reader_choice.hpp"

namespace awrap::internal {
namespace {

using internal::TimeSource;

// "; session state not restored: temporary tables, SQL PREPARE", or nothing.
std::string session_loss_note(const std::vector<std::string>& not_restored) {
  if (not_restored.empty()) return {};
  std::string note = "; session state not restored: ";
  for (std::size_t i = 0; i < not_restored.size(); ++i) note += (i ? ", " : "") + not_restored[i];
  return note;
}

class FailoverPlugin final : public Plugin {
 public:
  FailoverPlugin(PluginService& service, const Properties& props)
      : service_(service),
        runtime_(runtime_of(service)),
        time_(runtime_->get<TimeSource>()),
        mode_(resolve_failover_mode(
            props.get_choice("failover_mode"),
            endpoint_role(props, service.initial_spec().host.host) == EndpointRole::kReader)),
        active_mode_(mode_),
        timeout_(std::chrono::seconds(props.get_int("failover_timeout_sec"))),
        connect_failover_(props.get_bool("enable_connect_failover")),
        retry_pause_(
            std::chrono::milliseconds(props.get_int("cluster_topology_high_refresh_rate_ms"))),
        sql_engine_(service.driver().engine() == "mysql" ? SqlEngine::kMysql
                                                         : SqlEngine::kPostgres),
        reader_selector_(
            host_selector_from(service, props, "failover_reader_host_selector_strategy")) {}

  std::string_view code() const noexcept override { return "failover"; }
  MethodSet subscribed_methods() const noexcept override {
    return MethodSet::network_calls().with(Method::kConnect);
  }

  std::unique_ptr<TargetConnection> connect(ConnectRequest& request,
                                            const NextConnect& next) override {
    std::unique_ptr<TargetConnection> conn;
    try {
      conn = next(request);
    } catch (const AuthError&) {
      throw;
    } catch (const ConnectError& e) {
      if (!request.initial || !connect_failover_) throw;
      conn = connect_to_topology_writer(request, next, e);
    }
    if (request.initial) {
      // Decide once whether there is anything to fail over to. On a single plain server the
      // plugin steps aside: no monitor, no extra work per call.
      monitor_ = service_.topology_monitor_for(*conn);
      dialect_ = service_.dialect_for(*conn);
    }
    return conn;
  }

  CallResult call(Call& call, const NextCall& next) override {
    if (!monitor_) return next(call);
    TransactionStatus status = TransactionStatus::kIdle;
    if (TargetConnection* c = service_.current_connection()) status = c->transaction_status();
    // Taken before the call: what the connection says afterwards is lost with it. The outcome is
    // worked out only if the call fails, so a successful statement is never scanned.
    const LostCall lost{call.method, call.sql, sql_engine_, status, last_known_status_};
    auto may_have_committed = [&lost] {
      return outcome_of_lost_call(lost) == LostCallOutcome::kMayHaveCommitted;
    };
    try {
      auto result = next(call);
      remember_transaction_status();
      return result;
    } catch (const ConnectionLostError& e) {
      fail_over(may_have_committed(), e);
    } catch (const ReadOnlyViolationError& e) {
      remember_transaction_status();
      // A read-only error from a server that is no longer the writer means it was demoted
      // behind our back; one from a read-only transaction the application asked for does not.
      if (mode_ != FailoverMode::kStrictWriter || service_.read_only() || host_still_writer())
        throw;
      fail_over(may_have_committed(), e);
    } catch (const QueryError&) {
      remember_transaction_status();
      throw;
    }
  }

 private:
  void remember_transaction_status() noexcept {
    if (TargetConnection* c = service_.current_connection()) {
      auto status = c->transaction_status();
      if (status != TransactionStatus::kUnknown) last_known_status_ = status;
    }
  }

  // Runs rounds as plan_failover_round (failover_candidates.hpp) says until one host fits.
  [[noreturn]] void fail_over(bool transaction_open, const Error& cause) {
    auto started = time_.now();
    auto deadline = started + timeout_;
    HostInfo failed = service_.current_host();
    tried_known_writer_ = false;
    active_mode_ = mode_for(failed);
    AWRAP_LOG(kInfo) << "failover (" << to_string(active_mode_) << ") from " << failed.endpoint()
                     << " after: " << cause.what();
    if (TargetConnection* c = service_.current_connection()) c->abort();
    service_.report_failover_started({failed, cause.what()});
    // One session's end is no evidence about its host: nothing is marked unavailable here (the
    // host monitor's probes and failed connects to a host are). When a live server ended the
    // session itself (terminated, killed, idle timeout), its host is tried first, without a
    // cluster-wide probe round; the writer check on the new connection still decides.
    bool failed_host_first = session_ended_by_live_server(cause.sqlstate(), cause.native_code()) &&
                             service_.availability(failed) == HostAvailability::kAvailable;

    std::string last_problem = cause.what();
    while (true) {
      auto round = plan_failover_round(time_.now(), deadline, failed_host_first,
                                       service_.auxiliary_query_timeout());
      failed_host_first = false;
      if (round.source == FailoverRound::Source::kGiveUp) break;
      // The shared monitor usually names the new host within a few hundred milliseconds. If it
      // cannot (its own connections refused, e.g. credentials rotated since it last logged in),
      // probe the known hosts through this Connection's own chain, with fresh credentials.
      std::vector<HostInfo> candidates;
      if (round.source == FailoverRound::Source::kFailedHost) {
        candidates.push_back(failed);
      } else if (auto candidate = pick_candidate(failed, round.monitor_wait_until)) {
        candidates.push_back(*candidate);
      } else {
        candidates = fallback_candidates(known_hosts(), failed);
      }
      for (HostInfo& candidate : candidates) {
        if (time_.now() >= deadline) break;
        auto conn = connect_fitting(candidate, round.candidate_deadline, last_problem);
        if (!conn) continue;
        // The session is restored on the new connection before it becomes current: within what
        // is left of failover_timeout_sec, then the application's own socket_timeout again.
        auto application_timeout = conn->socket_timeout();
        conn->set_socket_timeout(
            tighter_timeout(application_timeout, time_left(deadline, time_.now())));
        try {
          service_.set_current_connection(std::move(conn));
        } catch (const std::exception& e) {
          last_problem = "restoring the session on " + candidate.endpoint() + ": " + e.what();
          AWRAP_LOG(kInfo) << "failover: " << last_problem;
          continue;
        }
        if (TargetConnection* current = service_.current_connection())
          current->set_socket_timeout(application_timeout);
        last_known_status_ = TransactionStatus::kIdle;
        remember_transaction_status();
        service_.set_availability(candidate, HostAvailability::kAvailable);
        auto took =
            std::chrono::duration_cast<std::chrono::milliseconds>(time_.now() - started).count();
        AWRAP_LOG(kInfo) << "failover to " << candidate.endpoint() << " ("
                         << to_string(candidate.role) << ") took " << took << " ms";
        std::string where = " (failed over from " + failed.endpoint() + " to " +
                            candidate.endpoint() + " in " + std::to_string(took) + " ms)";
        auto not_restored = service_.session_state_not_restored();
        where += session_loss_note(not_restored);
        if (transaction_open) {
          TransactionResolutionUnknownError error(
              "the connection failed over while a transaction or a write was in flight; it may "
              "or may not have committed" +
                  where,
              "08007", 0, candidate.endpoint(), std::move(not_restored));
          report(FailoverResult::kTransactionResolutionUnknown, failed, candidate, started, cause,
                 error);
          throw std::move(error);
        }
        FailoverSuccessError error(
            "the connection failed over; the statement was not applied, run it again" + where,
            "08S02", 0, candidate.endpoint(), std::move(not_restored));
        report(FailoverResult::kSuccess, failed, candidate, started, cause, error);
        throw std::move(error);
      }
      time_.sleep_until(next_round_at(time_.now(), deadline, retry_pause_));
    }
    FailoverFailedError error(
        "failover found no " +
            std::string(active_mode_ == FailoverMode::kStrictReader ? "reader" : "writer") +
            " within failover_timeout_sec=" + std::to_string(timeout_.count()) +
            "; last problem: " + last_problem,
        "08001", 0, failed.endpoint());
    report(FailoverResult::kFailed, failed, std::nullopt, started, cause, error);
    throw std::move(error);
  }

  // Tells the application's on_failover (when it listens) how this failover ended, just before
  // the error is thrown: the new connection is current by now.
  void report(FailoverResult result, const HostInfo& from, std::optional<HostInfo> to,
              FailoverTime started, const Error& cause, const FailoverError& error) noexcept {
    try {
      FailoverEvent event;
      event.result = result;
      event.from = from;
      event.to = std::move(to);
      event.duration = std::chrono::duration_cast<std::chrono::milliseconds>(time_.now() - started);
      event.reason = cause.what();
      event.error = error.what();
      event.session_state_not_restored = error.session_state_not_restored();
      service_.report_failover(event);
    } catch (const std::exception& e) {  // building the event (memory): the outcome stands
      AWRAP_LOG(kWarning) << "failover event not reported: " << e.what();
    }
  }

  // A read-only Connection that read/write splitting moved to a reader moves to another reader
  // when that one fails (or to the writer if none is left), whatever failover_mode says: it
  // asked to read, not to write.
  FailoverMode mode_for(const HostInfo& failed) const {
    if (mode_ != FailoverMode::kStrictWriter || !service_.read_only()) return mode_;
    TopologyPtr topology = monitor_->topology();
    if (!topology) return mode_;
    for (const auto& h : topology->readers())
      if (h.same_endpoint(failed)) return FailoverMode::kReaderOrWriter;
    return mode_;
  }

  // The first connect failed: ask the cluster's shared monitor (run by other Connections) for
  // the writer and connect there.
  std::unique_ptr<TargetConnection> connect_to_topology_writer(ConnectRequest& request,
                                                               const NextConnect& next,
                                                               const ConnectError& cause) {
    auto monitor = service_.existing_topology_monitor();
    if (!monitor) throw cause;
    AWRAP_LOG(kInfo) << "connect failover: " << request.spec.host.endpoint() << " failed ("
                     << cause.what() << "); asking the topology for the writer";
    auto topology = monitor->wait_for_writer(time_.now() + timeout_);
    if (!topology || !topology->writer()) throw cause;
    ConnectRequest direct = request;
    direct.spec.host = *topology->writer();
    return next(direct);
  }

  // Connects to `candidate` through the whole chain and checks that its role fits the mode. On
  // success `candidate.role` is set; on failure `problem` says why and null is returned, whatever
  // the failure: a failover ends only in its three outcomes, and a refused login (credentials
  // rotating under us) is one more unfit candidate, never a sign that the host is down.
  // Every wait ends by `deadline` (failover_timeout_sec) and each query's by
  // auxiliary_query_timeout_sec: a host that accepts the login and then stops answering costs
  // no more than that.
  std::unique_ptr<TargetConnection> connect_fitting(HostInfo& candidate, FailoverTime deadline,
                                                    std::string& problem) {
    try {
      auto conn = service_.connect_until(candidate, deadline);
      bool writer = false;
      {
        ScopedSocketTimeout bound(
            *conn, std::min(service_.auxiliary_query_timeout(), time_left(deadline, time_.now())));
        writer = dialect_->is_writer(*conn);
      }
      if (auto misfit = role_misfit(active_mode_, candidate, writer)) {
        problem = std::move(*misfit);
        conn->close();
        return nullptr;
      }
      candidate.role = writer ? HostRole::kWriter : HostRole::kReader;
      return conn;
    } catch (const AuthError& e) {
      problem = e.what();
    } catch (const ConnectError& e) {
      problem = e.what();
      service_.set_availability(candidate, HostAvailability::kUnavailable);
    } catch (const std::exception& e) {
      problem = candidate.endpoint() + ": " + e.what();
    }
    AWRAP_LOG(kDebug) << "failover candidate " << candidate.endpoint() << " unfit: " << problem;
    return nullptr;
  }

  // The monitor's hosts, or the Connection's when it knows none.
  std::vector<HostInfo> known_hosts() {
    TopologyPtr topology = monitor_->topology();
    return topology && !topology->hosts.empty() ? topology->hosts : service_.hosts();
  }

  // Whether the current host still accepts writes, asked over a fresh connection of its own:
  // never inside the application's session, whose transaction may be read-only or already
  // failed (25P02 would read as "not the writer"). Only a host that says it is read-only, or
  // cannot be reached at all, is a reason to fail over; a host that cannot be asked (login
  // refused, a query error) is given the benefit of the doubt.
  bool host_still_writer() {
    HostInfo host = service_.current_host();
    try {
      auto conn = service_.connect(host);
      ScopedSocketTimeout bound(*conn, service_.auxiliary_query_timeout());
      bool writer = dialect_->is_writer(*conn);
      conn->close();
      return writer;
    } catch (const AuthError& e) {
      AWRAP_LOG(kInfo) << "writer check on " << host.endpoint()
                       << " could not log in: " << e.what();
      return true;
    } catch (const ConnectError& e) {
      AWRAP_LOG(kInfo) << "writer check on " << host.endpoint() << ": " << e.what();
      return false;
    } catch (const ConnectionLostError& e) {
      AWRAP_LOG(kInfo) << "writer check on " << host.endpoint() << ": " << e.what();
      return false;
    } catch (const Error& e) {
      AWRAP_LOG(kInfo) << "writer check on " << host.endpoint() << " failed: " << e.what();
      return true;
    }
  }

  std::optional<HostInfo> pick_candidate(const HostInfo& failed, FailoverTime monitor_wait_until) {
    auto availability = [this](const HostInfo& h) { return service_.availability(h); };
    if (active_mode_ == FailoverMode::kStrictWriter) {
      // Once per failover: a writer a live probe confirmed moments ago is tried at once instead
      // of waiting for a new probe round. The writer check on the new connection still decides.
      if (!tried_known_writer_) {
        tried_known_writer_ = true;
        TopologyPtr known = monitor_->topology();
        if (auto writer = recently_confirmed_writer(known.get(), failed, time_.now(), availability))
          return writer;
      }
      auto topology = monitor_->wait_for_writer(monitor_wait_until);
      if (!topology) return std::nullopt;
      return topology->writer();
    }
    TopologyPtr topology = monitor_->topology();
    if (!topology || topology->hosts.empty())
      topology = monitor_->wait_for_writer(monitor_wait_until);
    if (!topology) return std::nullopt;
    if (auto chosen = choose_reader(readers_with_availability(*topology, availability, &failed),
                                    *reader_selector_))
      return chosen;
    if (active_mode_ == FailoverMode::kReaderOrWriter) {
      auto fresh = monitor_->wait_for_writer(monitor_wait_until);
      if (fresh) return fresh->writer();
    }
    return std::nullopt;
  }

  PluginService& service_;
  std::shared_ptr<internal::Runtime> runtime_;  // keeps time_ alive
  TimeSource& time_;
  FailoverMode mode_;         // as configured
  FailoverMode active_mode_;  // of the failover in progress (mode_for)
  std::chrono::seconds timeout_;
  bool connect_failover_;
  std::chrono::milliseconds retry_pause_;
  SqlEngine sql_engine_;
  std::shared_ptr<ClusterTopology> monitor_;
  std::shared_ptr<const Dialect> dialect_;
  std::unique_ptr<HostSelector> reader_selector_;  // failover_reader_host_selector_strategy
  bool tried_known_writer_ = false;                // within the current fail_over()
  // The current connection's transaction status after the last call that reached the server.
  TransactionStatus last_known_status_ = TransactionStatus::kIdle;
};

}  // namespace

PluginRegistration make_failover_registration() {
  // Weight 400. Lower weights run outermost (docs/plugins.md).
  constexpr int weight = 400;
  return {"failover", weight,
          [](PluginService& service, const Properties& props) {
            return std::make_unique<FailoverPlugin>(service, props);
          },
          "Moves the connection to the new writer (or a reader) when its host fails; raises "
          "FailoverSuccessError, TransactionResolutionUnknownError or FailoverFailedError."};
}

}  // namespace awrap::internal
