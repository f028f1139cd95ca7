// The host selector a plugin's strategy property names, configured from a Connection's
// properties (round_robin_*, weighted_random_*, response_measurement_interval_ms). For
// fastest_response it is given response-time monitors that log in as the Connection does
// (engine, user, database and native options of its initial connect; credentials fresh from the
// authentication plugins).
#pragma once

#include <memory>
#include <string_view>

#include "awrap/ext/plugin.hpp"
#include "awrap/properties.hpp"
#include "host_selection/host_selector.hpp"

namespace awrap::internal {

// Throws ConfigError naming the property when the strategy or its weights are invalid.
std::unique_ptr<HostSelector> host_selector_from(const PluginService& service,
                                                 const Properties& props,
                                                 std::string_view strategy_property);

}  // namespace awrap::internal
