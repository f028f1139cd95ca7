// The host selector a plugin's strategy property names, configured from a Connection's
// properties (round_robin_* and weighted_random_*).
#pragma once

#include <memory>
#include <string_view>

#include "awrap/properties.hpp"
#include "host_selection/host_selector.hpp"

namespace awrap {

// Throws ConfigError naming the property when the strategy or its weights are invalid.
std::unique_ptr<HostSelector> host_selector_from(const Properties& props,
                                                 std::string_view strategy_property);

}  // namespace awrap
