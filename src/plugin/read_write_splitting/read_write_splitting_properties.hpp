// Properties of the read_write_splitting plugin, registered with the plugin (its
// PluginRegistration::properties). The strategies' weights (round_robin_*, weighted_random_*)
// are shared with failover and initial_connection and live in the core table.
#pragma once

#include <array>

#include "awrap/properties.hpp"

namespace awrap::internal::plugin::read_write_splitting {

inline constexpr std::string_view kReaderHostSelectorStrategy = "reader_host_selector_strategy";

inline constexpr std::string_view kReadConsistency = "read_consistency";
inline constexpr std::string_view kReadConsistencyTimeoutMs = "read_consistency_timeout_ms";

inline constexpr std::array<PropertyDefinition, 3> kReadWriteSplittingProperties{{
    {.name = kReaderHostSelectorStrategy,
     .type = PropertyType::kChoice,
     .default_value = "random",
     .help = "read_write_splitting: how set_read_only(true) picks the reader a Connection moves "
             "to (docs/host-selection.md)",
     .group = "read_write_splitting",
     .choices =
         "random|round_robin|weighted_random|least_connections|highest_weight|fastest_response"},
    {.name = kReadConsistency,
     .type = PropertyType::kChoice,
     .default_value = "eventual",
     .help = "read_write_splitting: eventual: set_read_only(true) reads whatever the reader has "
             "replayed; session: it first waits until the reader has replayed the session's last "
             "write (at most read_consistency_timeout_ms, else the reads stay on the writer). "
             "Costs a round trip or more per switch (docs/plugins.md#read-your-writes)",
     .group = "read_write_splitting",
     .choices = "eventual|session"},
    {.name = kReadConsistencyTimeoutMs,
     .type = PropertyType::kInteger,
     .default_value = "1000",
     .help = "read_write_splitting: read_consistency=session: how long set_read_only(true) waits "
             "for the reader to replay the session's last write before the reads stay on the "
             "writer",
     .group = "read_write_splitting",
     .min = 1,
     .max = 600000},
}};

}  // namespace awrap::internal::plugin::read_write_splitting
