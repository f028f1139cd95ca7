// The topology monitor's probing schedule (probe_schedule.hpp) from the scenario table
// tests/data/topology/probe_schedule_scenarios.json. Adding a case is adding a row to the file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "support/test_data.hpp"
#include "topology/probe_schedule.hpp"

namespace awrap::internal {
namespace {

using std::chrono::milliseconds;

nlohmann::json load_scenarios() {
  return testing::load_test_json("topology/probe_schedule_scenarios.json");
}

TEST(ProbeScheduleScenarios, PausesBackOffOnlyWhileNobodyWaits) {
  auto table = load_scenarios();
  ASSERT_FALSE(table.at("pauses").empty());
  for (const auto& row : table.at("pauses")) {
    SCOPED_TRACE(row.at("name").get<std::string>());
    EXPECT_EQ(probe_pause(milliseconds(row.at("high_rate_ms").get<long long>()),
                          row.at("waiting").get<bool>(), row.at("fruitless").get<int>()),
              milliseconds(row.at("expect_ms").get<long long>()));
  }
}

TEST(ProbeScheduleScenarios, AnAbandonedSearchStartsAgainOnlyForAWaitingConnection) {
  auto table = load_scenarios();
  ASSERT_FALSE(table.at("starts_probing").empty());
  for (const auto& row : table.at("starts_probing")) {
    SCOPED_TRACE(row.dump());
    EXPECT_EQ(starts_probing(row.at("abandoned").get<bool>(), row.at("waiting").get<bool>()),
              row.at("expect").get<bool>());
  }
}

}  // namespace
}  // namespace awrap::internal
