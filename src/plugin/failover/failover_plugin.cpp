#include "plugin/failover/failover_plugin.hpp"

#include <algorithm>
#include <random>
#include <thread>

#include "awrap/errors.hpp"
#include "core/cluster_service.hpp"
#include "core/logging.hpp"
#include "plugin/failover/failover_mode.hpp"
#include "plugin/endpoint_role.hpp"

namespace awrap {
namespace {

using Clock = std::chrono::steady_clock;

// How fresh a confirmed writer must be for a failover to try it without a new probe round.
constexpr std::chrono::seconds kRecentlyConfirmed{2};

class FailoverPlugin final : public Plugin {
 public:
  FailoverPlugin(PluginService& service, const Properties& props)
      : service_(service),
        mode_(resolve_failover_mode(props.get_choice("failover_mode"),
                                    endpoint_role(props, service.initial_spec().host.host) == EndpointRole::kReader)),
        timeout_(std::chrono::seconds(props.get_int("failover_timeout_sec"))),
        retry_pause_(std::chrono::milliseconds(props.get_int("cluster_topology_high_refresh_rate_ms"))) {}

  std::string_view code() const noexcept override { return "failover"; }
  MethodSet subscribed_methods() const noexcept override {
    return MethodSet::network_calls().with(Method::kConnect);
  }

  std::unique_ptr<TargetConnection> connect(ConnectRequest& request, const NextConnect& next) override {
    auto conn = next(request);
    if (request.initial) {
      // Decide once whether there is anything to fail over to. On a single plain server the
      // plugin steps aside: no monitor, no extra work per call.
      monitor_ = cluster_service(service_).topology_monitor_for(*conn);
      dialect_ = cluster_service(service_).dialect_for(*conn);
    }
    return conn;
  }

  CallResult call(Call& call, const NextCall& next) override {
    if (!monitor_) return next(call);
    bool transaction_open = false;
    if (TargetConnection* c = service_.current_connection()) {
      auto status = c->transaction_status();
      // A connection closed under us (the tracker aborts idle connections to an old writer)
      // no longer knows its state: what it reported after the last call still holds.
      if (status == TransactionStatus::kUnknown) status = last_known_status_;
      transaction_open = status == TransactionStatus::kInTransaction ||
                         status == TransactionStatus::kInFailedTransaction;
    }
    // A COMMIT in flight may have committed; a ROLLBACK in flight cannot have.
    if (call.method == Method::kCommit) transaction_open = true;
    if (call.method == Method::kRollback) transaction_open = false;
    try {
      auto result = next(call);
      remember_transaction_status();
      return result;
    } catch (const ConnectionLostError& e) {
      fail_over(transaction_open, e);
    } catch (const ReadOnlyViolationError& e) {
      remember_transaction_status();
      // A read-only error from a server that is no longer the writer means it was demoted
      // behind our back; one from a read-only transaction the application asked for does not.
      if (mode_ != FailoverMode::kStrictWriter || service_.read_only() || still_writer()) throw;
      fail_over(transaction_open, e);
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

  [[noreturn]] void fail_over(bool transaction_open, const Error& cause) {
    auto started = Clock::now();
    auto deadline = started + timeout_;
    HostInfo failed = service_.current_host();
    tried_known_writer_ = false;
    AWRAP_LOG(kInfo) << "failover (" << to_string(mode_) << ") from " << failed.endpoint() << " after: " << cause.what();
    if (TargetConnection* c = service_.current_connection()) c->abort();
    if (dynamic_cast<const ConnectionLostError*>(&cause)) service_.set_availability(failed, HostAvailability::kUnavailable);

    std::string last_problem = cause.what();
    while (Clock::now() < deadline) {
      auto candidate = pick_candidate(failed, deadline);
      if (!candidate) {
        pause(deadline);
        continue;
      }
      try {
        auto conn = service_.connect(*candidate);
        bool writer = dialect_->is_writer(*conn);
        if (mode_ == FailoverMode::kStrictWriter && !writer) {
          last_problem = candidate->endpoint() + " is not the writer";
          conn->close();
          pause(deadline);
          continue;
        }
        if (mode_ == FailoverMode::kStrictReader && writer) {
          last_problem = candidate->endpoint() + " is the writer, not a reader";
          conn->close();
          pause(deadline);
          continue;
        }
        candidate->role = writer ? HostRole::kWriter : HostRole::kReader;
        service_.set_current_connection(std::move(conn));
        last_known_status_ = TransactionStatus::kIdle;
        remember_transaction_status();
        service_.set_availability(*candidate, HostAvailability::kAvailable);
        auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
        AWRAP_LOG(kInfo) << "failover to " << candidate->endpoint() << " (" << to_string(candidate->role) << ") took "
                         << took << " ms";
        std::string where = " (failed over from " + failed.endpoint() + " to " + candidate->endpoint() + " in " +
                            std::to_string(took) + " ms)";
        if (transaction_open)
          throw TransactionResolutionUnknownError(
              "the connection failed over while a transaction was open; it may or may not have committed" + where,
              "08007", 0, candidate->endpoint());
        throw FailoverSuccessError("the connection failed over; the statement was not applied, run it again" + where,
                                   "08S02", 0, candidate->endpoint());
      } catch (const AuthError&) {
        throw;
      } catch (const ConnectError& e) {
        last_problem = e.what();
        service_.set_availability(*candidate, HostAvailability::kUnavailable);
      } catch (const ConnectionLostError& e) {
        last_problem = e.what();
      } catch (const QueryError& e) {
        last_problem = e.what();
      }
      pause(deadline);
    }
    throw FailoverFailedError("failover found no " + std::string(mode_ == FailoverMode::kStrictReader ? "reader" : "writer") +
                                  " within failover_timeout_sec=" + std::to_string(timeout_.count()) +
                                  "; last problem: " + last_problem,
                              "08001", 0, failed.endpoint());
  }

  bool still_writer() {
    TargetConnection* c = service_.current_connection();
    if (!c) return false;
    try {
      return dialect_->is_writer(*c);
    } catch (const Error&) {
      return false;
    }
  }

  std::optional<HostInfo> pick_candidate(const HostInfo& failed, Clock::time_point deadline) {
    if (mode_ == FailoverMode::kStrictWriter) {
      // A writer other than the failed host, confirmed by a live probe moments ago (e.g. by the
      // failover that made the tracker close this connection): try it at once instead of waiting
      // for a new probe round. The writer check on the new connection still decides.
      if (!tried_known_writer_) {
        tried_known_writer_ = true;
        TopologyPtr known = monitor_->topology();
        if (known && known->writer() && !known->writer()->same_endpoint(failed) &&
            known->writer_confirmed_at != Clock::time_point{} &&
            Clock::now() - known->writer_confirmed_at < kRecentlyConfirmed &&
            service_.availability(*known->writer()) == HostAvailability::kAvailable)
          return known->writer();
      }
      auto topology = monitor_->wait_for_writer(deadline);
      if (!topology) return std::nullopt;
      return topology->writer();
    }
    TopologyPtr topology = monitor_->topology();
    if (!topology || topology->hosts.empty()) topology = monitor_->wait_for_writer(deadline);
    if (!topology) return std::nullopt;
    std::vector<HostInfo> readers;
    for (const auto& h : topology->readers())
      if (!h.same_endpoint(failed) && service_.availability(h) == HostAvailability::kAvailable) readers.push_back(h);
    if (readers.empty())
      for (const auto& h : topology->readers())
        if (!h.same_endpoint(failed)) readers.push_back(h);  // all marked down: try them anyway
    if (!readers.empty()) {
      std::uniform_int_distribution<std::size_t> pick(0, readers.size() - 1);
      return readers[pick(random_)];
    }
    if (mode_ == FailoverMode::kReaderOrWriter) {
      auto fresh = monitor_->wait_for_writer(deadline);
      if (fresh) return fresh->writer();
    }
    return std::nullopt;
  }

  void pause(Clock::time_point deadline) {
    auto until = std::min(deadline, Clock::now() + retry_pause_);
    std::this_thread::sleep_until(until);
  }

  PluginService& service_;
  FailoverMode mode_;
  std::chrono::seconds timeout_;
  std::chrono::milliseconds retry_pause_;
  std::shared_ptr<TopologyMonitor> monitor_;
  std::shared_ptr<const Dialect> dialect_;
  std::minstd_rand random_{std::random_device{}()};
  bool tried_known_writer_ = false;  // within the current fail_over()
  // The current connection's transaction status after the last call that reached the server.
  TransactionStatus last_known_status_ = TransactionStatus::kIdle;
};

}  // namespace

PluginRegistration make_failover_registration(int weight) {
  return {"failover", weight,
          [](PluginService& service, const Properties& props) {
            return std::make_unique<FailoverPlugin>(service, props);
          },
          "Moves the connection to the new writer (or a reader) when its host fails; raises "
          "FailoverSuccessError, TransactionResolutionUnknownError or FailoverFailedError."};
}

}  // namespace awrap
