// Host selection strategies: which host of a role a connection goes to (read/write splitting's
// reader, failover's reader, initial_connection's reader). The names and semantics are the AWS
// wrappers' (docs/host-selection.md):
//
//   auto selector = awrap::make_host_selector({.strategy = "round_robin",
//                                              .strategy_property =
//                                              "reader_host_selector_strategy",
//                                              .round_robin_host_weight_pairs = "instance-2:3"});
//   std::optional<awrap::HostInfo> reader = selector->select(hosts, awrap::HostRole::kReader);
//
// A choice is a function of the hosts (role, availability, weight), the selector's settings and
// the state it is given: randomness, connection counts and round-robin positions come in through
// HostSelectorSources, so a test fixes them and gets the same choices every run.
//
// Eligible hosts are those of the requested role that are marked available; select() returns
// nullopt when there is none (the caller decides whether to fall back).
// Thread safety: a selector is used by one thread (its Connection); RoundRobinPositions is
// thread-safe and may be shared by every selector of the process.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "awrap/host_info.hpp"
#include "base/thread_annotations.hpp"
#include "host_selection/fastest_response.hpp"

namespace awrap::internal {

// The strategies, as accepted by the *_host_selector_strategy properties.
inline constexpr std::string_view kHostSelectorStrategies =
    "random|round_robin|weighted_random|least_connections|highest_weight|fastest_response";

struct HostSelectorConfig {
  std::string strategy = "random";  // one of kHostSelectorStrategies
  std::string strategy_property{};  // the property that named it, for error messages
  std::int64_t round_robin_default_weight = 1;
  std::string round_robin_host_weight_pairs{};  // "host1:3,host2:1"
  std::int64_t weighted_random_default_weight = 1;
  std::string weighted_random_host_weight_pairs{};
  std::int64_t response_measurement_interval_ms = 30000;  // fastest_response
};

// Where round_robin resumes: per set of hosts, the last host chosen and how many more turns it
// gets. Hosts seen together share one position (as the AWS wrappers do), so every Connection to
// a cluster continues the same rotation. Thread-safe.
class RoundRobinPositions {
 public:
  struct Position {
    std::string last_host;  // HostInfo::host of the last choice, empty before the first
    std::int64_t turns_left = 0;
  };
  // A Connection's selectors share the positions of its Runtime (a service of it:
  // base/runtime.hpp, docs/architecture.md). Entries are never removed; there is one per host
  // name seen.

  // Runs `step` on the position shared by `hosts` (created on first use), under the lock.
  void update(std::span<const std::string> hosts, const std::function<void(Position&)>& step);

 private:
  Mutex mutex_;
  std::map<std::string, std::shared_ptr<Position>> by_host_ GUARDED_BY(mutex_);
};

// What a choice may depend on besides the hosts. Unset members get the selector's own: a randomly
// seeded engine, no open connections known, positions of its own. A Connection's selectors get
// its Runtime's open-connection registry and round-robin positions (plugin/host_selector_config).
struct HostSelectorSources {
  std::function<std::uint64_t()> random;                         // uniform 64-bit values
  std::function<std::size_t(const HostInfo&)> open_connections;  // least_connections
  std::shared_ptr<RoundRobinPositions> round_robin;
  // fastest_response: the measured response times (required by that strategy) and the clock its
  // cached choice expires by (unset: steady_clock).
  std::shared_ptr<ResponseTimeSource> response_times;
  std::function<std::chrono::steady_clock::time_point()> clock;
};

class HostSelector {
 public:
  virtual ~HostSelector() = default;
  // One of the eligible hosts (role `role`, available), or nullopt when there is none.
  virtual std::optional<HostInfo> select(std::span<const HostInfo> hosts, HostRole role) = 0;
};

// Throws ConfigError naming the property and value when the strategy is unknown or a weight
// setting is malformed (round_robin_* and weighted_random_* are checked only for the strategy
// that reads them), and when fastest_response is named without sources.response_times.
std::unique_ptr<HostSelector> make_host_selector(const HostSelectorConfig& config,
                                                 HostSelectorSources sources = {});

}  // namespace awrap::internal
