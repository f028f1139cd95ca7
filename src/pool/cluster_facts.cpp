#include "pool/cluster_facts.hpp"

#include "core/connection_impl.hpp"
#include "core/host_availability.hpp"

namespace awrap::internal {

bool connection_broken(Connection& connection) noexcept {
  if (connection.is_closed()) return true;
  TargetConnection* physical = ConnectionAccess::impl(connection).current_connection();
  return physical == nullptr || physical->is_broken();
}

pool_policy::HostFacts cluster_facts(Connection& connection, ClusterFactsCache& cache) {
  pool_policy::HostFacts facts;
  facts.broken = connection_broken(connection);
  if (facts.broken) return facts;
  auto& impl = ConnectionAccess::impl(connection);

  if (auto monitor = impl.topology_monitor()) {
    TopologyPtr topology = monitor->topology();
    if (topology != cache.topology) {
      cache.topology = topology;
      HostInfo here = impl.current_host();
      auto writer = topology ? topology->writer() : std::nullopt;
      // Only a connection opened on the writer can be on a demoted one; a connection made to a
      // reader on purpose (a reader endpoint) stays.
      cache.demoted_writer =
          here.role == HostRole::kWriter && writer.has_value() && !writer->same_endpoint(here);
    }
    facts.demoted_writer = cache.demoted_writer;
  }

  auto& registry = impl.host_availability();
  const std::uint64_t generation = registry.generation();
  // An unavailable entry also ends by expiring, which does not move the generation: re-ask.
  if (generation != cache.availability_generation || cache.host_unavailable) {
    cache.availability_generation = generation;
    cache.host_unavailable = registry.get(impl.current_host()) == HostAvailability::kUnavailable;
  }
  facts.host_unavailable = cache.host_unavailable;
  return facts;
}

}  // namespace awrap::internal
