#include "plugin/reader_choice.hpp"

namespace awrap::internal {

std::vector<HostInfo> readers_with_availability(const Topology& topology,
                                                const AvailabilityOf& availability,
                                                const HostInfo* excluded) {
  std::vector<HostInfo> readers;
  for (auto h : topology.readers()) {
    if (excluded && h.same_endpoint(*excluded)) continue;
    h.role = HostRole::kReader;
    h.availability = availability(h);
    readers.push_back(std::move(h));
  }
  return readers;
}

std::optional<HostInfo> choose_reader(std::vector<HostInfo> readers, HostSelector& selector) {
  if (auto chosen = selector.select(readers, HostRole::kReader)) return chosen;
  for (auto& h : readers) h.availability = HostAvailability::kAvailable;
  return selector.select(readers, HostRole::kReader);
}

}  // namespace awrap::internal
