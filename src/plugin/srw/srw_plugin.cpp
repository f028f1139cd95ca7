#include "plugin/srw/srw_plugin.hpp"

#include <algorithm>

#include "awrap/errors.hpp"
#include "base/logging.hpp"
#include "core/auxiliary_timeout.hpp"
#include "plugin/srw/role_verifier.hpp"
#include "plugin/srw/srw_config.hpp"
#include "plugin/srw/srw_decisions.hpp"
#include "plugin/srw/srw_properties.hpp"

namespace awrap::internal {
namespace {

using plugin::srw::Clock;
using plugin::srw::Side;
using plugin::srw::SrwConfig;
using plugin::srw::Switch;

// SQLSTATE of a switch refused inside a transaction (JDBC's ACTIVE_SQL_TRANSACTION, as the AWS
// JDBC wrapper uses), and of a side that could not be reached.
constexpr const char* kActiveTransaction = "25001";
constexpr const char* kUnableToConnect = "08001";

// A physical connection of one side, kept open while the other side is current, with what the
// plugin knows of its session, so that taking it back sends only what differs.
struct KeptConnection {
  std::shared_ptr<TargetConnection> connection;  // null: none kept
  HostInfo host;                                 // the endpoint it was opened to
  bool read_only = false;
  IsolationLevel isolation = IsolationLevel::kDefault;

  explicit operator bool() const noexcept { return connection != nullptr; }
};

bool in_transaction(TransactionStatus status) {
  return status == TransactionStatus::kInTransaction ||
         status == TransactionStatus::kInFailedTransaction;
}

class SrwPlugin final : public Plugin {
 public:
  SrwPlugin(PluginService& service, SrwConfig config)
      : service_(service), config_(std::move(config)) {}
  ~SrwPlugin() override { close_parked(); }
  SrwPlugin(const SrwPlugin&) = delete;
  SrwPlugin& operator=(const SrwPlugin&) = delete;

  std::string_view code() const noexcept override { return "srw"; }
  MethodSet subscribed_methods() const noexcept override {
    // Every call: a lost reader is reported as such (the application learns which side died).
    return MethodSet::all();
  }

  std::unique_ptr<TargetConnection> connect(ConnectRequest& request,
                                            const NextConnect& next) override {
    if (!request.initial) return next(request);  // ours, failover's, monitoring's: as they are
    initial_side_ = plugin::srw::side_of(request.spec.host, config_);
    auto role = plugin::srw::initial_verification_role(config_, request.spec.host);
    if (!role) return next(request);
    plugin::srw::RoleVerifySteps steps;
    steps.connect = [&](Clock::time_point deadline) {
      ConnectRequest attempt = request;
      attempt.spec.connect_timeout =
          tighter_timeout(attempt.spec.connect_timeout, time_left(deadline, Clock::now()));
      return next(attempt);
    };
    steps.is_writer = [this](TargetConnection& c, Clock::time_point d) { return is_writer(c, d); };
    auto found = plugin::srw::connect_with_role(*role, config_.connect_retry_timeout,
                                                config_.connect_retry_interval, steps);
    if (found.connection) return std::move(found.connection);
    // As the AWS wrappers do: the first connection is made anyway, unverified, and the
    // application's first statements tell (a write on a reader fails as read-only).
    AWRAP_LOG(kWarning) << "srw: no " << to_string(*role) << " verified at "
                        << request.spec.host.endpoint() << " within srw_connect_retry_timeout_ms="
                        << config_.connect_retry_timeout.count() << " (" << found.attempts
                        << " attempts, " << found.wrong_role_attempts
                        << " of the wrong role; last: " << found.last_problem
                        << "); continuing with an unverified connection";
    return next(request);
  }

  CallResult call(Call& call, const NextCall& next) override {
    if (call.method == Method::kSetReadOnly) return set_read_only(call, next);
    if (call.method == Method::kClose) {
      close_parked();
      return next(call);
    }
    if (side_ != Side::kReader) return next(call);
    try {
      return next(call);
    } catch (const ConnectionLostError& e) {
      throw ConnectionLostError(
          "the reader connection (srw_read_endpoint=" + config_.read_endpoint.endpoint() +
              ") was lost: " + e.what() +
              ". set_read_only(false) returns to the writer; set_read_only(true) opens a new "
              "reader connection",
          e.sqlstate(), e.native_code(), e.host());
    }
  }

  void on_connection_changed(const HostInfo& /*old_host*/, const HostInfo& new_host) override {
    if (switching_) return;  // our own exchange: switch_to() keeps the books
    if (initial_side_) {
      side_ = *initial_side_;  // Connection::open: the host the application named
      initial_side_.reset();
      return;
    }
    // Someone else replaced the connection (failover): the roles may have changed under the
    // kept connections too, so they go, as in the AWS wrappers; the next switch opens new ones.
    close_parked();
    side_ = plugin::srw::side_of(new_host, config_);
    AWRAP_LOG(kDebug) << "srw: connection moved to " << new_host.endpoint() << " ("
                      << plugin::srw::to_string(side_) << " side); kept connections closed";
  }

 private:
  CallResult set_read_only(Call& call, const NextCall& next) {
    TargetConnection* current = service_.current_connection();
    plugin::srw::SwitchInput input;
    input.read_only = call.flag;
    input.current = side_;
    input.current_broken = current == nullptr || current->is_broken();
    input.in_transaction = !input.current_broken && in_transaction(current->transaction_status());
    const Switch decision = plugin::srw::decide_switch(input);
    switch (decision) {
      case Switch::kStay:
        return next(call);
      case Switch::kRefuseInTransaction:
        throw ReadWriteSplittingError(
            std::string("set_read_only(") + (call.flag ? "true" : "false") +
                ") inside a transaction: switching to the " + (call.flag ? "reader" : "writer") +
                " would leave the transaction behind on the " + plugin::srw::to_string(side_) +
                " connection; commit or roll back first",
            kActiveTransaction, 0, service_.current_host().endpoint());
      case Switch::kToReader:
      case Switch::kToWriter:
        break;
    }
    const Side target = decision == Switch::kToReader ? Side::kReader : Side::kWriter;
    KeptConnection incoming = take_or_open(target);
    if (!incoming) {
      // Only the reader has a fallback, as in the AWS wrappers: the current connection (the
      // writer) answers the reads, read-only, rather than failing the application.
      if (!input.current_broken) {
        AWRAP_LOG(kWarning) << "srw: no reader available at srw_read_endpoint="
                            << config_.read_endpoint.endpoint() << " (" << last_problem_
                            << "); reads stay on " << service_.current_host().endpoint();
        return next(call);
      }
      throw ReadWriteSplittingError("no reader available at srw_read_endpoint=" +
                                        config_.read_endpoint.endpoint() + ": " + last_problem_,
                                    kUnableToConnect, 0, config_.read_endpoint.endpoint());
    }
    const bool had_read_only = incoming.read_only;
    switch_to(target, std::move(incoming), input.current_broken);
    // A kept session already has the setting from before: no round trip.
    if (had_read_only != call.flag) return next(call);
    return nullptr;
  }

  // The kept connection of that side if it is still usable, else a new (verified) one. Empty
  // for a reader that cannot be reached (last_problem_ says why); for the writer that is a
  // ReadWriteSplittingError. An AuthError always propagates: a refused login is configuration,
  // not availability.
  KeptConnection take_or_open(Side target) {
    KeptConnection& slot = parked(target);
    if (slot && !slot.connection->is_broken()) return std::move(slot);
    discard(slot);
    const HostInfo& endpoint =
        target == Side::kReader ? config_.read_endpoint : config_.write_endpoint;
    KeptConnection fresh;  // a new session: the server's defaults
    fresh.connection = open(endpoint);
    fresh.host = endpoint;
    if (!fresh && target == Side::kWriter)
      throw ReadWriteSplittingError("cannot switch to the writer at srw_write_endpoint=" +
                                        endpoint.endpoint() + ": " + last_problem_,
                                    kUnableToConnect, 0, endpoint.endpoint());
    return fresh;
  }

  std::unique_ptr<TargetConnection> open(const HostInfo& endpoint) {
    if (!config_.verify_new_connections) {
      try {
        return service_.connect(endpoint);
      } catch (const AuthError&) {
        throw;
      } catch (const ConnectError& e) {
        last_problem_ = e.what();
      } catch (const ConnectionLostError& e) {
        last_problem_ = e.what();
      }
      return nullptr;
    }
    plugin::srw::RoleVerifySteps steps;
    steps.connect = [&](Clock::time_point deadline) {
      return service_.connect_until(endpoint, deadline);
    };
    steps.is_writer = [this](TargetConnection& c, Clock::time_point d) { return is_writer(c, d); };
    auto found = plugin::srw::connect_with_role(endpoint.role, config_.connect_retry_timeout,
                                                config_.connect_retry_interval, steps);
    if (!found.connection) {
      last_problem_ =
          "no " + std::string(to_string(endpoint.role)) + " within " +
          "srw_connect_retry_timeout_ms=" + std::to_string(config_.connect_retry_timeout.count()) +
          " (" + std::to_string(found.attempts) + " attempts";
      if (found.wrong_role_attempts > 0)
        last_problem_ += ", " + std::to_string(found.wrong_role_attempts) +
                         " of the wrong role: " + found.wrong_role;
      last_problem_ += "; last: " + found.last_problem + ")";
    }
    return std::move(found.connection);
  }

  // Makes `incoming` current; the previous connection is kept for its side, or closed when it
  // is broken or on neither side. Autocommit and the isolation level are carried over, sending
  // only what differs; read-only is the caller's (it switches because read-only changes).
  void switch_to(Side target, KeptConnection incoming, bool current_broken) {
    {
      TargetConnection& next = *incoming.connection;
      ScopedSocketTimeout bound(next, service_.auxiliary_query_timeout());
      if (next.autocommit() != service_.autocommit()) next.set_autocommit(service_.autocommit());
      if (incoming.isolation != service_.isolation_level())
        next.set_isolation_level(service_.isolation_level());
    }
    const Side previous = side_;
    // The session being left has the Connection's settings as they are before this call.
    KeptConnection outgoing{nullptr, service_.current_host(), service_.read_only(),
                            service_.isolation_level()};
    switching_ = true;
    try {
      outgoing.connection =
          service_.exchange_connection(std::move(incoming.connection), incoming.host);
    } catch (...) {
      switching_ = false;
      throw;
    }
    switching_ = false;
    side_ = target;
    if (!outgoing) return;
    if (current_broken || previous == Side::kOther || outgoing.connection->is_broken()) {
      discard(outgoing);
      return;
    }
    KeptConnection& slot = parked(previous);
    discard(slot);
    slot = std::move(outgoing);
  }

  // The role check, bounded by auxiliary_query_timeout_sec and by `deadline`.
  bool is_writer(TargetConnection& connection, Clock::time_point deadline) {
    auto dialect = service_.dialect_for(connection);
    ScopedSocketTimeout bound(connection, std::min(service_.auxiliary_query_timeout(),
                                                   time_left(deadline, Clock::now())));
    return dialect->is_writer(connection);
  }

  KeptConnection& parked(Side side) { return side == Side::kReader ? reader_ : writer_; }

  static void discard(KeptConnection& slot) noexcept {
    if (slot.connection) slot.connection->close();
    slot = KeptConnection{};
  }

  void close_parked() noexcept {
    discard(reader_);
    discard(writer_);
  }

  PluginService& service_;
  const SrwConfig config_;
  Side side_ = Side::kOther;
  std::optional<Side> initial_side_;  // from connect() until Connection::open installs it
  bool switching_ = false;            // inside our own exchange_connection
  KeptConnection writer_;             // kept while the reader is current
  KeptConnection reader_;             // kept while the writer is current
  std::string last_problem_;
};

}  // namespace

PluginRegistration make_srw_registration() {
  PluginRegistration registration;
  registration.code = "srw";
  // Weight 310: lower weights run outermost (docs/plugins.md).
  registration.weight = 310;
  registration.factory = [](PluginService& service, const Properties& properties) {
    int default_port = service.initial_spec().host.port;
    if (default_port == 0) default_port = service.driver().default_port();
    return std::make_unique<SrwPlugin>(service,
                                       plugin::srw::srw_config_from(properties, default_port));
  };
  registration.help =
      "Simple read/write splitting: set_read_only(true) moves the connection to "
      "srw_read_endpoint, false back to srw_write_endpoint, keeping the other side's connection "
      "open (no topology needed: RDS Proxy, custom endpoints, balancers).";
  registration.properties = plugin::srw::kSrwProperties;
  return registration;
}

}  // namespace awrap::internal
