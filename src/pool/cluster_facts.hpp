// What the pool knows about the host of an idle connection, from what awrap already tracks: the
// physical connection's state, the cluster's topology (which host is the writer now) and the
// host availability registry (hosts host monitoring or failover found down).
#pragma once

#include <cstdint>

#include "awrap/connection.hpp"
#include "awrap/ext/cluster_topology.hpp"
#include "pool/pool_policy.hpp"

namespace awrap::internal {

// Per connection, so a borrow usually costs two atomic loads and the topology snapshot's copy:
// the answers are recomputed only when the snapshot or the registry changed.
struct ClusterFactsCache {
  TopologyPtr topology;  // the snapshot demoted_writer was computed from
  bool demoted_writer = false;
  std::uint64_t availability_generation = ~std::uint64_t{0};
  bool host_unavailable = false;
};

// REQUIRES: the caller is the only user of `connection` (it is idle in the pool).
pool_policy::HostFacts cluster_facts(Connection& connection, ClusterFactsCache& cache);

// True when the Connection is closed or its physical connection is lost or aborted.
bool connection_broken(Connection& connection) noexcept;

}  // namespace awrap::internal
