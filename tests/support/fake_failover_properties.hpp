// The properties the unit tests use to run the failover plugin on the fake driver: a plain pg
// cluster, probed every 10 ms, failing over within 5 s. `extra` overrides or adds.
#pragma once

#include "awrap/properties.hpp"

namespace awrap::internal::testing {

inline PropertyMap fast_failover_properties(const PropertyMap& extra = {}) {
  PropertyMap props{{"wrapper_plugins", "failover"},
                    {"wrapper_dialect", "pg"},
                    {"failover_timeout_sec", "5"},
                    {"cluster_topology_high_refresh_rate_ms", "10"},
                    {"topology_refresh_ms", "100"}};
  for (const auto& [k, v] : extra) props[k] = v;
  return props;
}

}  // namespace awrap::internal::testing
