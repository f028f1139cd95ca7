#include "host_selection/fastest_response.hpp"

namespace awrap::internal {

std::optional<std::size_t> fastest_index(
    std::span<const std::optional<std::chrono::nanoseconds>> times) {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < times.size(); ++i) {
    if (!times[i]) continue;
    if (!best || *times[i] < *times[*best]) best = i;
  }
  return best;
}

std::optional<std::size_t> choose_fastest(
    std::span<const HostInfo> candidates,
    std::span<const std::optional<std::chrono::nanoseconds>> times,
    std::optional<FastestChoice>& cache, std::chrono::steady_clock::time_point now,
    std::chrono::milliseconds interval) {
  if (cache && now < cache->expires) {
    for (std::size_t i = 0; i < candidates.size(); ++i)
      if (candidates[i].host == cache->host) return i;
  }
  cache.reset();
  auto best = fastest_index(times);
  if (best) cache = FastestChoice{candidates[*best].host, now + interval};
  return best;
}

}  // namespace awrap::internal
