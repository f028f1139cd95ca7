// initial_connection's decision (next_initial_connection_step) from the scenario table
// tests/data/initial_connection/step_scenarios.json, on a fake clock: each row is one turn of the
// plugin's loop. Adding a case is adding a row to the file.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "plugin/initial_connection/initial_connection_step.hpp"
#include "support/test_data.hpp"

namespace awrap::internal {
namespace {

using std::chrono::milliseconds;
using TimePoint = InitialConnectionSituation::TimePoint;

// Far from the epoch, as a real steady clock is.
const TimePoint kStart = TimePoint(std::chrono::hours(1));

nlohmann::json load_scenarios() {
  return testing::load_test_json("initial_connection/step_scenarios.json");
}

using testing::host_named;

TimePoint at(const nlohmann::json& ms) {
  return kStart + milliseconds(ms.get<long long>());
}

// The topology of a row, each host's availability set from "unavailable".
Topology topology_of(const nlohmann::json& row) {
  const auto& t = row.at("topology");
  auto unavailable = row.value("unavailable", std::vector<std::string>{});
  Topology topology;
  if (!t.at("writer").is_null())
    topology.hosts.push_back(host_named(t.at("writer").get<std::string>(), HostRole::kWriter));
  for (const auto& r : t.at("readers"))
    topology.hosts.push_back(host_named(r.get<std::string>(), HostRole::kReader));
  for (auto& h : topology.hosts)
    if (std::find(unavailable.begin(), unavailable.end(), h.host) != unavailable.end())
      h.availability = HostAvailability::kUnavailable;
  return topology;
}

TEST(InitialConnectionStepScenarios, EveryRowDecidesAsTheTableSays) {
  auto table = load_scenarios();
  ASSERT_FALSE(table.at("scenarios").empty());
  for (const auto& row : table.at("scenarios")) {
    SCOPED_TRACE(row.at("name").get<std::string>());
    InitialConnectionSituation situation;
    situation.wanted = row.at("wanted") == "writer" ? EndpointRole::kWriter : EndpointRole::kReader;
    situation.reached = host_named(row.at("reached").at("host").get<std::string>());
    situation.reached_writer = row.at("reached").at("writer").get<bool>();
    std::optional<Topology> topology;
    if (!row.at("topology").is_null()) topology = topology_of(row);
    situation.topology = topology ? &*topology : nullptr;
    situation.move_failed = row.value("move_failed", false);
    situation.now = at(row.at("now_ms"));
    situation.deadline = at(row.at("deadline_ms"));
    situation.retry_interval = milliseconds(row.at("retry_interval_ms").get<long long>());
    auto selector = make_host_selector({.strategy = "highest_weight"});

    auto step = next_initial_connection_step(situation, *selector);

    const auto& expect = row.at("expect");
    EXPECT_EQ(to_string(step.action), expect.at("action").get<std::string>());
    if (expect.contains("host")) {
      EXPECT_EQ(step.move_to.host, expect.at("host").get<std::string>());
    }
    if (expect.contains("retry_at_ms")) {
      EXPECT_EQ(std::chrono::duration_cast<milliseconds>(step.retry_at - kStart).count(),
                expect.at("retry_at_ms").get<long long>());
    }
  }
}

}  // namespace
}  // namespace awrap::internal
