// Failover's decisions (failover_candidates.hpp, reader_choice.hpp) from the scenario table
// tests/data/failover/candidate_scenarios.json, on a fake clock. Adding a case is adding a row to
// the file; failover_loop_test.cpp drives the plugin's loop itself on the same decisions.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "plugin/failover/failover_candidates.hpp"
#include "plugin/reader_choice.hpp"
#include "support/test_data.hpp"

namespace awrap::internal {
namespace {

using std::chrono::milliseconds;

// Far from the epoch: a default time_point means "never confirmed".
const FailoverTime kStart = FailoverTime(std::chrono::hours(1));

const nlohmann::json& table() {
  static const nlohmann::json loaded = testing::load_test_json("failover/candidate_scenarios.json");
  return loaded;
}

FailoverTime at(const nlohmann::json& ms) {
  return kStart + milliseconds(ms.get<long long>());
}
// Milliseconds since kStart, as the table writes times (and failures print them).
long long ms_of(FailoverTime t) {
  return std::chrono::duration_cast<milliseconds>(t - kStart).count();
}

using testing::host_named;

Topology topology_of(const nlohmann::json& t, FailoverTime now) {
  Topology topology;
  if (!t.at("writer").is_null())
    topology.hosts.push_back(host_named(t.at("writer").get<std::string>(), HostRole::kWriter));
  for (const auto& r : t.at("readers"))
    topology.hosts.push_back(host_named(r.get<std::string>(), HostRole::kReader));
  if (t.contains("confirmed_ago_ms") && !t.at("confirmed_ago_ms").is_null())
    topology.writer_confirmed_at = now - milliseconds(t.at("confirmed_ago_ms").get<long long>());
  return topology;
}

AvailabilityOf availability_of(const nlohmann::json& row) {
  auto down = row.value("unavailable", std::vector<std::string>{});
  return [down](const HostInfo& h) {
    return std::find(down.begin(), down.end(), h.host) != down.end()
               ? HostAvailability::kUnavailable
               : HostAvailability::kAvailable;
  };
}

nlohmann::json name_or_null(const std::optional<HostInfo>& host) {
  return host ? nlohmann::json(host->host) : nlohmann::json(nullptr);
}

TEST(FailoverCandidateScenarios, RoundsStartGiveUpAndAreBoundedAsTheTableSays) {
  ASSERT_FALSE(table().at("rounds").empty());
  for (const auto& row : table().at("rounds")) {
    SCOPED_TRACE(row.at("name").get<std::string>());
    auto round = plan_failover_round(at(row.at("now_ms")), at(row.at("deadline_ms")),
                                     row.at("failed_host_first").get<bool>(),
                                     milliseconds(row.at("auxiliary_ms").get<long long>()));
    const auto& expect = row.at("expect");
    EXPECT_EQ(to_string(round.source), expect.at("source").get<std::string>());
    if (expect.contains("candidate_deadline_ms")) {
      EXPECT_EQ(ms_of(round.candidate_deadline),
                expect.at("candidate_deadline_ms").get<long long>());
    }
    if (expect.contains("monitor_wait_until_ms")) {
      EXPECT_EQ(ms_of(round.monitor_wait_until),
                expect.at("monitor_wait_until_ms").get<long long>());
    }
  }
}

TEST(FailoverCandidateScenarios, TheNextRoundStartsAsTheTableSays) {
  ASSERT_FALSE(table().at("next_round").empty());
  for (const auto& row : table().at("next_round")) {
    SCOPED_TRACE(row.at("name").get<std::string>());
    EXPECT_EQ(ms_of(next_round_at(at(row.at("now_ms")), at(row.at("deadline_ms")),
                                  milliseconds(row.at("pause_ms").get<long long>()))),
              row.at("expect_ms").get<long long>());
  }
}

TEST(FailoverCandidateScenarios, ARecentlyConfirmedWriterIsTriedAtOnceOnlyAsTheTableSays) {
  ASSERT_FALSE(table().at("recently_confirmed_writer").empty());
  const FailoverTime now = kStart + std::chrono::seconds(10);
  for (const auto& row : table().at("recently_confirmed_writer")) {
    SCOPED_TRACE(row.at("name").get<std::string>());
    std::optional<Topology> topology;
    if (!row.at("topology").is_null()) topology = topology_of(row.at("topology"), now);
    auto writer = recently_confirmed_writer(topology ? &*topology : nullptr,
                                            host_named(row.at("failed").get<std::string>()), now,
                                            availability_of(row));
    EXPECT_EQ(name_or_null(writer), row.at("expect"));
  }
}

TEST(FailoverCandidateScenarios, TheReaderChosenIsTheTables) {
  ASSERT_FALSE(table().at("readers").empty());
  for (const auto& row : table().at("readers")) {
    SCOPED_TRACE(row.at("name").get<std::string>());
    auto topology = topology_of(row.at("topology"), kStart);
    auto failed = host_named(row.at("failed").get<std::string>());
    auto selector = make_host_selector({.strategy = "highest_weight"});
    auto chosen = choose_reader(readers_with_availability(topology, availability_of(row), &failed),
                                *selector);
    EXPECT_EQ(name_or_null(chosen), row.at("expect"));
  }
}

TEST(FailoverCandidateScenarios, FallbackTriesTheFailedHostLast) {
  ASSERT_FALSE(table().at("fallback").empty());
  for (const auto& row : table().at("fallback")) {
    SCOPED_TRACE(row.at("name").get<std::string>());
    std::vector<HostInfo> hosts;
    for (const auto& h : row.at("hosts")) hosts.push_back(host_named(h.get<std::string>()));
    std::vector<std::string> order;
    for (const auto& h :
         fallback_candidates(hosts, host_named(row.at("failed").get<std::string>())))
      order.push_back(h.host);
    EXPECT_EQ(order, row.at("expect").get<std::vector<std::string>>());
  }
}

TEST(FailoverCandidateScenarios, ACandidateOfTheWrongRoleIsToldApart) {
  ASSERT_FALSE(table().at("misfit").empty());
  for (const auto& row : table().at("misfit")) {
    auto mode = resolve_failover_mode(row.at("mode").get<std::string>(), false);
    SCOPED_TRACE(row.dump());
    auto misfit = role_misfit(mode, host_named("h"), row.at("writer").get<bool>());
    EXPECT_EQ(misfit ? nlohmann::json(*misfit) : nlohmann::json(nullptr), row.at("expect"));
  }
}

}  // namespace
}  // namespace awrap::internal
