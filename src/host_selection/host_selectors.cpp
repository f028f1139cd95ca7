// The strategies behind make_host_selector (semantics of the AWS wrappers' HostSelectors).
#include <algorithm>
#include <random>
#include <vector>

#include "awrap/errors.hpp"
#include "host_selection/host_selector.hpp"
#include "host_selection/host_weights.hpp"

namespace awrap::internal {
namespace {

// Hosts of `role` marked available, sorted by host name (the order round_robin cycles in).
std::vector<HostInfo> eligible(std::span<const HostInfo> hosts, HostRole role) {
  std::vector<HostInfo> out;
  for (const auto& h : hosts)
    if (h.role == role && h.availability == HostAvailability::kAvailable) out.push_back(h);
  std::stable_sort(out.begin(), out.end(),
                   [](const HostInfo& a, const HostInfo& b) { return a.host < b.host; });
  return out;
}

// A uniform index below `n` (n > 0); the modulo bias of a 64-bit source is negligible here.
std::size_t pick_below(const std::function<std::uint64_t()>& random, std::size_t n) {
  return static_cast<std::size_t>(random() % n);
}

class RandomSelector final : public HostSelector {
 public:
  explicit RandomSelector(std::function<std::uint64_t()> random) : random_(std::move(random)) {}
  std::optional<HostInfo> select(std::span<const HostInfo> hosts, HostRole role) override {
    auto candidates = eligible(hosts, role);
    if (candidates.empty()) return std::nullopt;
    return candidates[pick_below(random_, candidates.size())];
  }

 private:
  std::function<std::uint64_t()> random_;
};

// Each host in name order, `weight` times in a row, then the next; the rotation is shared with
// every selector that sees the same hosts.
class RoundRobinSelector final : public HostSelector {
 public:
  RoundRobinSelector(std::shared_ptr<RoundRobinPositions> positions, HostWeights weights,
                     std::int64_t default_weight)
      : positions_(std::move(positions)),
        weights_(std::move(weights)),
        default_weight_(default_weight) {}

  std::optional<HostInfo> select(std::span<const HostInfo> hosts, HostRole role) override {
    auto candidates = eligible(hosts, role);
    if (candidates.empty()) return std::nullopt;
    std::vector<std::string> names;
    for (const auto& h : candidates) names.push_back(h.host);
    std::size_t chosen = 0;
    positions_->update(names, [&](RoundRobinPositions::Position& position) {
      auto last = std::find(names.begin(), names.end(), position.last_host);
      bool last_known = last != names.end();
      if (last_known && position.turns_left > 0) {
        chosen = static_cast<std::size_t>(last - names.begin());
      } else {
        chosen =
            last_known ? (static_cast<std::size_t>(last - names.begin()) + 1) % names.size() : 0;
        position.turns_left = weight_of(candidates[chosen], weights_, default_weight_);
      }
      --position.turns_left;
      position.last_host = names[chosen];
    });
    return candidates[chosen];
  }

 private:
  std::shared_ptr<RoundRobinPositions> positions_;
  HostWeights weights_;
  std::int64_t default_weight_;
};

// A host with weight w is chosen with probability w / (sum of the eligible hosts' weights).
class WeightedRandomSelector final : public HostSelector {
 public:
  WeightedRandomSelector(std::function<std::uint64_t()> random, HostWeights weights,
                         std::int64_t default_weight)
      : random_(std::move(random)), weights_(std::move(weights)), default_weight_(default_weight) {}

  std::optional<HostInfo> select(std::span<const HostInfo> hosts, HostRole role) override {
    auto candidates = eligible(hosts, role);
    if (candidates.empty()) return std::nullopt;
    std::uint64_t total = 0;
    for (const auto& h : candidates)
      total += static_cast<std::uint64_t>(weight_of(h, weights_, default_weight_));
    std::uint64_t ticket = random_() % total;
    for (const auto& h : candidates) {
      auto w = static_cast<std::uint64_t>(weight_of(h, weights_, default_weight_));
      if (ticket < w) return h;
      ticket -= w;
    }
    return candidates.back();
  }

 private:
  std::function<std::uint64_t()> random_;
  HostWeights weights_;
  std::int64_t default_weight_;
};

// The host with the fewest open awrap connections; ties broken at random, so idle hosts share
// new connections instead of the first one taking them all.
class LeastConnectionsSelector final : public HostSelector {
 public:
  LeastConnectionsSelector(std::function<std::size_t(const HostInfo&)> count,
                           std::function<std::uint64_t()> random)
      : count_(std::move(count)), random_(std::move(random)) {}

  std::optional<HostInfo> select(std::span<const HostInfo> hosts, HostRole role) override {
    auto candidates = eligible(hosts, role);
    if (candidates.empty()) return std::nullopt;
    std::vector<std::size_t> counts;
    for (const auto& h : candidates) counts.push_back(count_(h));
    std::size_t fewest = *std::min_element(counts.begin(), counts.end());
    std::vector<std::size_t> tied;
    for (std::size_t i = 0; i < counts.size(); ++i)
      if (counts[i] == fewest) tied.push_back(i);
    return candidates[tied[pick_below(random_, tied.size())]];
  }

 private:
  std::function<std::size_t(const HostInfo&)> count_;
  std::function<std::uint64_t()> random_;
};

// The eligible host of highest HostInfo::weight (the first in name order on a tie).
class HighestWeightSelector final : public HostSelector {
 public:
  std::optional<HostInfo> select(std::span<const HostInfo> hosts, HostRole role) override {
    auto candidates = eligible(hosts, role);
    if (candidates.empty()) return std::nullopt;
    return *std::max_element(
        candidates.begin(), candidates.end(),
        [](const HostInfo& a, const HostInfo& b) { return a.weight < b.weight; });
  }
};

// The eligible host with the lowest measured response time, kept for the measurement interval;
// at random while no eligible host has been measured yet (the first choices of a process).
class FastestResponseSelector final : public HostSelector {
 public:
  FastestResponseSelector(std::shared_ptr<ResponseTimeSource> times,
                          std::function<std::chrono::steady_clock::time_point()> clock,
                          std::function<std::uint64_t()> random, std::chrono::milliseconds interval)
      : times_(std::move(times)),
        clock_(std::move(clock)),
        random_(std::move(random)),
        interval_(interval) {}

  std::optional<HostInfo> select(std::span<const HostInfo> hosts, HostRole role) override {
    auto candidates = eligible(hosts, role);
    if (candidates.empty()) return std::nullopt;
    times_->watch(candidates);
    std::vector<std::optional<std::chrono::nanoseconds>> measured;
    for (const auto& h : candidates) measured.push_back(times_->response_time(h));
    auto chosen = choose_fastest(candidates, measured, cache_[role], clock_(), interval_);
    if (chosen) return candidates[*chosen];
    return candidates[pick_below(random_, candidates.size())];
  }

 private:
  std::shared_ptr<ResponseTimeSource> times_;
  std::function<std::chrono::steady_clock::time_point()> clock_;
  std::function<std::uint64_t()> random_;
  std::chrono::milliseconds interval_;
  std::map<HostRole, std::optional<FastestChoice>> cache_;
};

std::function<std::uint64_t()> default_random() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] { return (*engine)(); };
}

void check_default_weight(std::int64_t weight, std::string_view property) {
  if (weight >= 1) return;
  throw ConfigError("invalid value '" + std::to_string(weight) + "' for property '" +
                        std::string(property) + "': expected an integer weight of at least 1",
                    std::string(property));
}

}  // namespace

void RoundRobinPositions::update(std::span<const std::string> hosts,
                                 const std::function<void(Position&)>& step) {
  MutexLock lock(mutex_);
  std::shared_ptr<Position> position;
  for (const auto& h : hosts)
    if (auto it = by_host_.find(h); it != by_host_.end()) {
      position = it->second;
      break;
    }
  if (!position) position = std::make_shared<Position>();
  for (const auto& h : hosts) by_host_[h] = position;
  step(*position);
}

std::unique_ptr<HostSelector> make_host_selector(const HostSelectorConfig& config,
                                                 HostSelectorSources sources) {
  if (!sources.random) sources.random = default_random();
  const std::string& s = config.strategy;
  if (s == "random") return std::make_unique<RandomSelector>(std::move(sources.random));
  if (s == "round_robin") {
    check_default_weight(config.round_robin_default_weight, "round_robin_default_weight");
    if (!sources.round_robin) sources.round_robin = std::make_shared<RoundRobinPositions>();
    return std::make_unique<RoundRobinSelector>(
        std::move(sources.round_robin),
        parse_host_weight_pairs(config.round_robin_host_weight_pairs,
                                "round_robin_host_weight_pairs"),
        config.round_robin_default_weight);
  }
  if (s == "weighted_random") {
    check_default_weight(config.weighted_random_default_weight, "weighted_random_default_weight");
    return std::make_unique<WeightedRandomSelector>(
        std::move(sources.random),
        parse_host_weight_pairs(config.weighted_random_host_weight_pairs,
                                "weighted_random_host_weight_pairs"),
        config.weighted_random_default_weight);
  }
  if (s == "least_connections") {
    if (!sources.open_connections)
      sources.open_connections = [](const HostInfo&) { return std::size_t{0}; };
    return std::make_unique<LeastConnectionsSelector>(std::move(sources.open_connections),
                                                      std::move(sources.random));
  }
  if (s == "highest_weight") return std::make_unique<HighestWeightSelector>();
  std::string property =
      config.strategy_property.empty() ? "host selector strategy" : config.strategy_property;
  if (s == "fastest_response") {
    if (config.response_measurement_interval_ms < 1)
      throw ConfigError("invalid value '" +
                            std::to_string(config.response_measurement_interval_ms) +
                            "' for property 'response_measurement_interval_ms': expected a "
                            "positive number of milliseconds",
                        "response_measurement_interval_ms");
    if (!sources.response_times)
      throw ConfigError("'" + property +
                            "=fastest_response' needs response-time monitors, which this caller "
                            "does not provide",
                        property);
    if (!sources.clock) sources.clock = [] { return std::chrono::steady_clock::now(); };
    return std::make_unique<FastestResponseSelector>(
        std::move(sources.response_times), std::move(sources.clock), std::move(sources.random),
        std::chrono::milliseconds(config.response_measurement_interval_ms));
  }
  throw ConfigError("invalid value '" + s + "' for property '" + property + "': expected one of " +
                        std::string(kHostSelectorStrategies),
                    property);
}

}  // namespace awrap::internal
