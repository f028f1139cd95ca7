#include "plugin/host_selector_config.hpp"

#include "core/plugin_runtime.hpp"
#include "plugin/response_time/response_time_monitor.hpp"
#include "topology/open_connection_registry.hpp"

namespace awrap::internal {

std::unique_ptr<HostSelector> host_selector_from(const PluginService& service,
                                                 const Properties& props,
                                                 std::string_view strategy_property) {
  HostSelectorConfig config;
  config.strategy = props.get_choice(strategy_property);
  config.strategy_property = std::string(strategy_property);
  config.round_robin_default_weight = props.get_int("round_robin_default_weight");
  config.round_robin_host_weight_pairs = props.get_string("round_robin_host_weight_pairs");
  config.weighted_random_default_weight = props.get_int("weighted_random_default_weight");
  config.weighted_random_host_weight_pairs = props.get_string("weighted_random_host_weight_pairs");
  config.response_measurement_interval_ms = props.get_int("response_measurement_interval_ms");
  HostSelectorSources sources;
  const std::shared_ptr<internal::Runtime> runtime = runtime_of(service);
  // Shared by every Connection of the Runtime; each holds the Runtime alive.
  sources.round_robin =
      std::shared_ptr<RoundRobinPositions>(runtime, &runtime->get<RoundRobinPositions>());
  sources.open_connections = [runtime](const HostInfo& h) {
    return runtime->get<OpenConnectionRegistry>().count(h);
  };
  if (config.strategy == "fastest_response") {
    // The selector lives in a plugin of the Connection that owns `service`.
    auto interval = std::chrono::milliseconds(config.response_measurement_interval_ms);
    sources.response_times =
        std::make_shared<MonitoredResponseTimes>(runtime, [&service, interval] {
          ResponseTimeMonitorKey key;
          key.driver = service.shared_driver();
          key.spec = service.initial_spec();
          key.interval = interval;
          key.credentials = service.background_credentials();
          return key;
        });
  }
  return make_host_selector(config, std::move(sources));
}

}  // namespace awrap::internal
