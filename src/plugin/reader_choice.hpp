// The reader a Connection moves to when its endpoint led elsewhere (initial_connection) or its
// reader failed (failover): one rule for both, so they cannot drift apart.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "awrap/ext/cluster_topology.hpp"
#include "awrap/host_info.hpp"
#include "host_selection/host_selector.hpp"

namespace awrap::internal {

using AvailabilityOf = std::function<HostAvailability(const HostInfo&)>;

// The readers of `topology`, with role kReader and their availability, except `excluded` (the
// failed host; null: none).
std::vector<HostInfo> readers_with_availability(const Topology& topology,
                                                const AvailabilityOf& availability,
                                                const HostInfo* excluded = nullptr);

// The reader `selector` chooses among `readers` marked available; when every one is marked down,
// among all of them (a mark is a guess; the connect is the test). nullopt when there is none.
std::optional<HostInfo> choose_reader(std::vector<HostInfo> readers, HostSelector& selector);

}  // namespace awrap::internal
