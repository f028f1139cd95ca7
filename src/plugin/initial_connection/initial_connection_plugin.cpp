#include "plugin/initial_connection/initial_connection_plugin.hpp"

#include "awrap/errors.hpp"
#include "base/logging.hpp"
#include "base/time_source.hpp"
#include "core/auxiliary_timeout.hpp"
#include "core/plugin_runtime.hpp"
#include "plugin/endpoint_role.hpp"
#include "plugin/host_selector_config.hpp"
#include "plugin/initial_connection/initial_connection_step.hpp"

namespace awrap::internal {
namespace {

using internal::TimeSource;

class InitialConnectionPlugin final : public Plugin {
 public:
  InitialConnectionPlugin(PluginService& service, const Properties& props)
      : service_(service),
        runtime_(runtime_of(service)),
        time_(runtime_->get<TimeSource>()),
        role_(endpoint_role(props, service.initial_spec().host.host)),
        retry_timeout_(props.get_int("open_connection_retry_timeout_ms")),
        retry_interval_(props.get_int("open_connection_retry_interval_ms")),
        reader_selector_(host_selector_from(service, props,
                                            "reader_initial_connection_host_selector_strategy")) {}

  std::string_view code() const noexcept override { return "initial_connection"; }
  MethodSet subscribed_methods() const noexcept override { return {Method::kConnect}; }

  // Drives next_initial_connection_step (initial_connection_step.hpp), which decides every turn.
  std::unique_ptr<TargetConnection> connect(ConnectRequest& request,
                                            const NextConnect& next) override {
    using Action = InitialConnectionStep::Action;
    auto conn = next(request);
    if (!request.initial || role_ == EndpointRole::kInstance) return conn;
    InitialConnectionSituation situation;
    situation.wanted = role_;
    situation.deadline = time_.now() + retry_timeout_;
    situation.retry_interval = retry_interval_;
    while (true) {
      situation.reached_writer = is_writer(*conn);
      situation.reached = conn->host();
      situation.move_failed = false;
      std::optional<Topology> topology;
      if (situation.reached_writer != (role_ == EndpointRole::kWriter))
        topology = topology_with_availability(*conn);
      situation.topology = topology ? &*topology : nullptr;
      situation.now = time_.now();
      auto step = next_initial_connection_step(situation, *reader_selector_);
      // A reader endpoint on a cluster without readers: nothing stale about the writer.
      if (step.action == Action::kAccept || step.action == Action::kKeepWriter) return conn;
      AWRAP_LOG(kInfo) << "initial_connection: " << request.spec.host.endpoint() << " led to a "
                       << (situation.reached_writer ? "writer" : "reader") << " (stale DNS?)"
                       << (step.action == Action::kMove
                               ? "; connecting to " + step.move_to.endpoint()
                               : std::string());
      if (step.action == Action::kMove) {
        if (auto moved = connect_with_role(request, next, step.move_to)) {
          conn->close();
          return moved;
        }
        situation.move_failed = true;
        situation.now = time_.now();
        step = next_initial_connection_step(situation, *reader_selector_);
      }
      switch (step.action) {
        case Action::kAccept:
        case Action::kKeepWriter:
          return conn;  // a writer still answers reads
        case Action::kGiveUp:
          conn->close();
          throw ConnectError("the cluster endpoint " + request.spec.host.endpoint() +
                                 " kept leading to a reader and no writer was found within "
                                 "open_connection_retry_timeout_ms=" +
                                 std::to_string(retry_timeout_.count()),
                             "08001", 0, request.spec.host.endpoint());
        case Action::kRetry:
        case Action::kMove:  // not offered twice in a turn
          break;
      }
      time_.sleep_until(step.retry_at);
      conn->close();
      conn = next(request);
    }
  }

 private:
  // The monitor's topology with each host's availability; nullopt when none is known yet.
  std::optional<Topology> topology_with_availability(TargetConnection& connection) {
    auto monitor = service_.topology_monitor_for(connection);
    TopologyPtr published = monitor ? monitor->topology() : nullptr;
    if (!published) return std::nullopt;
    Topology topology = *published;
    for (auto& h : topology.hosts) h.availability = service_.availability(h);
    return topology;
  }

  // A direct connection to `host` if it has the role wanted, else null (closed). A refused login
  // ends the connect; any other failure is one more turn of the loop.
  std::unique_ptr<TargetConnection> connect_with_role(const ConnectRequest& request,
                                                      const NextConnect& next,
                                                      const HostInfo& host) {
    ConnectRequest direct = request;
    direct.spec.host = host;
    try {
      auto candidate = next(direct);
      if (is_writer(*candidate) == (role_ == EndpointRole::kWriter)) return candidate;
      candidate->close();
    } catch (const AuthError&) {
      throw;
    } catch (const Error& e) {
      AWRAP_LOG(kDebug) << "initial_connection: " << host.endpoint() << ": " << e.what();
    }
    return nullptr;
  }

  // The writer check, bounded by auxiliary_query_timeout_sec whatever the socket_timeout.
  bool is_writer(TargetConnection& connection) {
    auto dialect = service_.dialect_for(connection);
    ScopedSocketTimeout bound(connection, service_.auxiliary_query_timeout());
    return dialect->is_writer(connection);
  }

  PluginService& service_;
  std::shared_ptr<internal::Runtime> runtime_;  // keeps time_ alive
  TimeSource& time_;
  EndpointRole role_;
  std::chrono::milliseconds retry_timeout_;
  std::chrono::milliseconds retry_interval_;
  // reader_initial_connection_host_selector_strategy
  std::unique_ptr<HostSelector> reader_selector_;
};

}  // namespace

PluginRegistration make_initial_connection_registration() {
  // Weight 100: outermost. Lower weights run outermost (docs/plugins.md).
  constexpr int weight = 100;
  return {
      "initial_connection", weight,
      [](PluginService& service, const Properties& props) {
        return std::make_unique<InitialConnectionPlugin>(service, props);
      },
      "Checks that a connection through a cluster or reader endpoint reached an instance of that "
      "role (DNS lags behind failover) and moves it to the right one."};
}

}  // namespace awrap::internal
