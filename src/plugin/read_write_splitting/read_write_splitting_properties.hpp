// Properties of the read_write_splitting plugin, registered with the plugin (its
// PluginRegistration::properties). The strategies' weights (round_robin_*, weighted_random_*)
// are shared with failover and initial_connection and live in the core table.
#pragma once

#include <array>

#include "awrap/properties.hpp"

namespace awrap::plugin::read_write_splitting {

inline constexpr std::string_view kReaderHostSelectorStrategy = "reader_host_selector_strategy";

inline constexpr std::array<PropertyDefinition, 1> kReadWriteSplittingProperties{{
    {.name = kReaderHostSelectorStrategy,
     .type = PropertyType::kChoice,
     .default_value = "random",
     .help = "read_write_splitting: how set_read_only(true) picks the reader a Connection moves "
             "to (docs/host-selection.md)",
     .group = "read_write_splitting",
     .choices =
         "random|round_robin|weighted_random|least_connections|highest_weight|fastest_response"},
}};

}  // namespace awrap::plugin::read_write_splitting
