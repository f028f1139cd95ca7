// Host availability decisions (MonitorStateMachine) from the scenario table
// tests/data/host_monitoring/availability_scenarios.json, on a fake clock: each step applies
// its actions at its time and checks what it expects. Adding a case is adding rows to the file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/host_availability.hpp"
#include "plugin/host_monitoring/monitor_state.hpp"
#include "support/test_data.hpp"

namespace awrap::internal {
namespace {

using Machine = MonitorStateMachine;
using std::chrono::milliseconds;

const Machine::TimePoint kStart = Machine::TimePoint(std::chrono::hours(1));

Machine::TimePoint at(const nlohmann::json& ms) {
  return kStart + milliseconds(ms.get<int>());
}

nlohmann::json load_scenarios() {
  return testing::load_test_json("host_monitoring/availability_scenarios.json");
}

std::string transition_name(Machine::Transition t) {
  switch (t) {
    case Machine::Transition::kNone:
      return "none";
    case Machine::Transition::kBecameDead:
      return "became_dead";
    case Machine::Transition::kBecameAlive:
      return "became_alive";
  }
  return "?";
}

TEST(HostAvailabilityScenarios, EveryStepOfEveryScenarioHoldsOnAFakeClock) {
  const nlohmann::json table = load_scenarios();
  const auto& s = table.at("settings");
  MonitorSettings settings{milliseconds(s.at("detection_time_ms").get<int>()),
                           milliseconds(s.at("interval_ms").get<int>()), s.at("count").get<int>(),
                           milliseconds(s.at("disposal_ms").get<int>())};
  ASSERT_GE(table.at("scenarios").size(), 8u);
  for (const auto& scenario : table.at("scenarios")) {
    Machine machine(settings, kStart);
    int index = 0;
    for (const auto& step : scenario.at("steps")) {
      SCOPED_TRACE(scenario.at("name").get<std::string>() + ", step " + std::to_string(index++) +
                   ": " + step.dump());
      const Machine::TimePoint now = at(step.at("at"));
      std::optional<Machine::TimePoint> deadline;
      std::optional<Machine::Transition> transition;
      if (step.contains("observe")) {
        const auto& o = step.at("observe");
        std::optional<Machine::TimePoint> oldest;
        if (!o.at(0).is_null()) oldest = at(o.at(0));
        machine.observe(now, oldest, at(o.at(1)));
      }
      if (step.value("start_probe", false)) deadline = machine.start_probe(now);
      if (step.contains("finish_probe"))
        transition = machine.finish_probe(step.at("finish_probe").get<bool>(), now);
      if (step.value("cancel_probe", false)) machine.cancel_probe();
      if (!step.contains("expect")) continue;
      for (const auto& [key, want] : step.at("expect").items()) {
        SCOPED_TRACE("expect " + key);
        if (key == "active") {
          EXPECT_EQ(machine.active(), want.get<bool>());
        } else if (key == "probe_due") {
          EXPECT_EQ(machine.probe_due(now), want.get<bool>());
        } else if (key == "probe_in_flight") {
          EXPECT_EQ(machine.probe_in_flight(), want.get<bool>());
        } else if (key == "probe_expired") {
          EXPECT_EQ(machine.probe_expired(now), want.get<bool>());
        } else if (key == "host_dead") {
          EXPECT_EQ(machine.host_dead(), want.get<bool>());
        } else if (key == "failures") {
          EXPECT_EQ(machine.failures(), want.get<int>());
        } else if (key == "disposable") {
          EXPECT_EQ(machine.disposable(now), want.get<bool>());
        } else if (key == "next_event") {
          EXPECT_EQ(machine.next_event(now), at(want));
        } else if (key == "deadline") {
          ASSERT_TRUE(deadline.has_value()) << "the step starts no probe";
          EXPECT_EQ(*deadline, at(want));
        } else if (key == "transition") {
          ASSERT_TRUE(transition.has_value()) << "the step finishes no probe";
          EXPECT_EQ(transition_name(*transition), want.get<std::string>());
        } else if (key == "abort_due") {
          for (const auto& pair : want)
            EXPECT_EQ(machine.abort_due(at(pair.at(0)), now), pair.at(1).get<bool>())
                << "call started at " << pair.at(0);
        } else {
          ADD_FAILURE() << "unknown expectation '" << key << "' in the scenario file";
        }
      }
    }
  }
}

}  // namespace
}  // namespace awrap::internal

// Host availability strategies (src/core/host_availability.hpp) from the scenario table
// tests/data/host_monitoring/availability_strategy_scenarios.json, on a fake clock.

namespace awrap::internal {
namespace {

TEST(HostAvailabilityScenarios, EveryStrategyScenarioHoldsOnAFakeClock) {
  std::ifstream in(std::filesystem::path(AWRAP_TEST_DATA_DIR) /
                   "host_monitoring/availability_strategy_scenarios.json");
  ASSERT_TRUE(in) << "cannot read availability_strategy_scenarios.json";
  const nlohmann::json table = nlohmann::json::parse(in);
  ASSERT_GE(table.at("scenarios").size(), 4u);
  const HostAvailabilityRecord::TimePoint start{std::chrono::hours(5)};
  for (const auto& scenario : table.at("scenarios")) {
    const auto& s = scenario.at("strategy");
    HostAvailabilityStrategy strategy;
    strategy.kind = s.at("kind") == "simple" ? HostAvailabilityStrategy::Kind::kSimple
                                             : HostAvailabilityStrategy::Kind::kExponentialBackoff;
    strategy.max_retries = s.at("max_retries").get<int>();
    strategy.initial_backoff = std::chrono::seconds(s.at("initial_backoff_s").get<int>());
    HostAvailabilityRecord record;
    int index = 0;
    for (const auto& step : scenario.at("steps")) {
      SCOPED_TRACE(scenario.at("name").get<std::string>() + ", step " + std::to_string(index++) +
                   ": " + step.dump());
      const auto now = start + std::chrono::seconds(step.at("at").get<int>());
      if (step.contains("mark"))
        record =
            record_availability(record,
                                step.at("mark") == "available" ? HostAvailability::kAvailable
                                                               : HostAvailability::kUnavailable,
                                now);
      if (!step.contains("expect")) continue;
      const bool available =
          effective_availability(record, strategy, now) == HostAvailability::kAvailable;
      EXPECT_EQ(available ? "available" : "unavailable", step.at("expect").get<std::string>());
    }
  }
}

}  // namespace
}  // namespace awrap::internal
