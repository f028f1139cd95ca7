// The topology monitor's decisions (build_topology, next_topology) from the scenario table
// tests/data/topology/update_scenarios.json, on a fake clock: each step builds a snapshot from
// the rows (and a live writer check, if any), decides against the published snapshot, applies
// the decision and checks what the step expects. Adding a case is adding rows to the file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/test_data.hpp"
#include "topology/topology_update.hpp"

namespace awrap::internal {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Far from the epoch: a default time_point means "never confirmed".
const Clock::time_point kStart = Clock::time_point(std::chrono::hours(1));

nlohmann::json load_scenarios() {
  return testing::load_test_json("topology/update_scenarios.json");
}

using testing::host_named;

std::vector<TopologyEntry> rows_of(const nlohmann::json& rows) {
  std::vector<TopologyEntry> out;
  for (const auto& r : rows) {
    TopologyEntry e;
    e.instance_id = r.at("id").get<std::string>();
    e.is_writer = r.value("writer", false);
    if (r.contains("last_update"))
      e.last_update = std::chrono::system_clock::time_point(
          std::chrono::seconds(r.at("last_update").get<long long>()));
    out.push_back(e);
  }
  return out;
}

std::vector<std::string> names(const std::vector<HostInfo>& hosts) {
  std::vector<std::string> out;
  for (const auto& h : hosts) out.push_back(h.host);
  return out;
}

nlohmann::json name_or_null(const std::optional<HostInfo>& host) {
  return host ? nlohmann::json(host->host) : nlohmann::json(nullptr);
}

void check(const nlohmann::json& expect, const TopologyUpdate& update, const BuiltTopology& built,
           const Topology& published) {
  EXPECT_EQ(to_string(update.action), expect.at("action").get<std::string>());
  if (expect.contains("writer")) {
    EXPECT_EQ(name_or_null(published.writer()), expect.at("writer"));
  }
  if (expect.contains("readers")) {
    EXPECT_EQ(names(published.readers()), expect.at("readers").get<std::vector<std::string>>());
  }
  if (expect.contains("version")) {
    EXPECT_EQ(published.version, expect.at("version").get<std::uint64_t>());
  }
  if (expect.contains("replaced_writer")) {
    EXPECT_EQ(name_or_null(update.replaced_writer), expect.at("replaced_writer"));
  }
  if (expect.contains("writer_rows")) {
    EXPECT_EQ(built.writer_rows, expect.at("writer_rows").get<int>());
  }
  if (expect.contains("confirmed_at_ms")) {
    const auto& at = expect.at("confirmed_at_ms");
    if (at.is_null()) {
      EXPECT_EQ(published.writer_confirmed_at, Clock::time_point{});
    } else {
      EXPECT_EQ(published.writer_confirmed_at, kStart + milliseconds(at.get<int>()));
    }
  }
}

TEST(TopologyUpdateScenarios, EveryStepOfEveryScenarioHolds) {
  const nlohmann::json table = load_scenarios();
  ASSERT_GE(table.at("scenarios").size(), 10u);
  for (const auto& scenario : table.at("scenarios")) {
    SCOPED_TRACE(scenario.at("name").get<std::string>());
    TopologySource source;
    source.reports_topology = scenario.at("reports_topology").get<bool>();
    source.map_entry = [](const TopologyEntry& e) { return host_named(e.instance_id); };
    for (const auto& name : scenario.value("seed_hosts", nlohmann::json::array()))
      source.seed_hosts.push_back(host_named(name.get<std::string>()));
    std::optional<Topology> published;
    int step_number = 0;
    for (const auto& step : scenario.at("steps")) {
      SCOPED_TRACE("step " + std::to_string(++step_number));
      std::optional<HostInfo> confirmed;
      if (step.contains("confirmed")) confirmed = host_named(step.at("confirmed"));
      const Topology* current = published ? &*published : nullptr;
      BuiltTopology built = build_topology(source, rows_of(step.at("rows")),
                                           confirmed ? &*confirmed : nullptr, current);
      const auto at = kStart + milliseconds(step.at("at_ms").get<int>());
      const auto began =
          step.contains("began_ms") ? kStart + milliseconds(step.at("began_ms").get<int>()) : at;
      TopologyUpdate update =
          next_topology(current, built.topology, confirmed.has_value(), began, at);
      if (update.action == TopologyUpdate::Action::kPublish) published = update.next;
      ASSERT_TRUE(published) << "the first step must publish";
      check(step.at("expect"), update, built, *published);
    }
  }
}

}  // namespace
}  // namespace awrap::internal
