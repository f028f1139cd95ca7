#include "plugin/initial_connection/initial_connection_plugin.hpp"

#include <thread>

#include "awrap/errors.hpp"
#include "base/logging.hpp"
#include "core/auxiliary_timeout.hpp"
#include "plugin/endpoint_role.hpp"
#include "plugin/host_selector_config.hpp"

namespace awrap::internal {
namespace {

using Clock = std::chrono::steady_clock;

class InitialConnectionPlugin final : public Plugin {
 public:
  InitialConnectionPlugin(PluginService& service, const Properties& props)
      : service_(service),
        role_(endpoint_role(props, service.initial_spec().host.host)),
        retry_timeout_(props.get_int("open_connection_retry_timeout_ms")),
        retry_interval_(props.get_int("open_connection_retry_interval_ms")),
        reader_selector_(host_selector_from(service, props,
                                            "reader_initial_connection_host_selector_strategy")) {}

  std::string_view code() const noexcept override { return "initial_connection"; }
  MethodSet subscribed_methods() const noexcept override { return {Method::kConnect}; }

  std::unique_ptr<TargetConnection> connect(ConnectRequest& request,
                                            const NextConnect& next) override {
    auto conn = next(request);
    if (!request.initial || role_ == EndpointRole::kInstance) return conn;
    auto deadline = Clock::now() + retry_timeout_;
    while (true) {
      bool writer = is_writer(*conn);
      if (writer == (role_ == EndpointRole::kWriter)) return conn;
      auto monitor = service_.topology_monitor_for(*conn);
      TopologyPtr topology = monitor ? monitor->topology() : nullptr;
      std::optional<HostInfo> target;
      if (topology && role_ == EndpointRole::kWriter) target = topology->writer();
      if (topology && role_ == EndpointRole::kReader) {
        auto readers = topology->readers();
        if (readers.empty())
          return conn;  // no readers: the writer serves reads, as Aurora's reader endpoint does
        for (auto& h : readers) {
          h.role = HostRole::kReader;
          h.availability = service_.availability(h);
        }
        target = reader_selector_->select(readers, HostRole::kReader);
        if (!target) {  // all marked down: try them anyway
          for (auto& h : readers) h.availability = HostAvailability::kAvailable;
          target = reader_selector_->select(readers, HostRole::kReader);
        }
      }
      AWRAP_LOG(kInfo) << "initial_connection: " << request.spec.host.endpoint() << " led to a "
                       << (writer ? "writer" : "reader") << " (stale DNS?)"
                       << (target ? "; connecting to " + target->endpoint() : std::string());
      if (target && !target->same_endpoint(conn->host())) {
        ConnectRequest direct = request;
        direct.spec.host = *target;
        try {
          auto candidate = next(direct);
          if (is_writer(*candidate) == (role_ == EndpointRole::kWriter)) {
            conn->close();
            return candidate;
          }
          candidate->close();
        } catch (const AuthError&) {
          throw;
        } catch (const Error& e) {
          AWRAP_LOG(kDebug) << "initial_connection: " << target->endpoint() << ": " << e.what();
        }
      }
      if (Clock::now() + retry_interval_ > deadline) {
        if (role_ == EndpointRole::kReader) return conn;  // a writer still answers reads
        conn->close();
        throw ConnectError("the cluster endpoint " + request.spec.host.endpoint() +
                               " kept leading to a reader and no writer was found within "
                               "open_connection_retry_timeout_ms=" +
                               std::to_string(retry_timeout_.count()),
                           "08001", 0, request.spec.host.endpoint());
      }
      std::this_thread::sleep_for(retry_interval_);
      conn->close();
      conn = next(request);
    }
  }

 private:
  // The writer check, bounded by auxiliary_query_timeout_sec whatever the socket_timeout.
  bool is_writer(TargetConnection& connection) {
    auto dialect = service_.dialect_for(connection);
    ScopedSocketTimeout bound(connection, service_.auxiliary_query_timeout());
    return dialect->is_writer(connection);
  }

  PluginService& service_;
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
