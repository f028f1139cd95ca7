#include "plugin/host_selector_config.hpp"

namespace awrap {

std::unique_ptr<HostSelector> host_selector_from(const Properties& props,
                                                 std::string_view strategy_property) {
  HostSelectorConfig config;
  config.strategy = props.get_choice(strategy_property);
  config.strategy_property = std::string(strategy_property);
  config.round_robin_default_weight = props.get_int("round_robin_default_weight");
  config.round_robin_host_weight_pairs = props.get_string("round_robin_host_weight_pairs");
  config.weighted_random_default_weight = props.get_int("weighted_random_default_weight");
  config.weighted_random_host_weight_pairs = props.get_string("weighted_random_host_weight_pairs");
  return make_host_selector(config);
}

}  // namespace awrap
