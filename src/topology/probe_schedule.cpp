#include "topology/probe_schedule.hpp"

#include <algorithm>

namespace awrap::internal {

std::chrono::milliseconds probe_pause(std::chrono::milliseconds high_rate_interval,
                                      bool connection_waiting, int fruitless_probes) {
  if (connection_waiting) return high_rate_interval;
  return high_rate_interval * (1 << std::clamp(fruitless_probes, 0, 4));
}

bool starts_probing(bool last_round_abandoned, bool connection_waiting) {
  return !last_round_abandoned || connection_waiting;
}

}  // namespace awrap::internal
