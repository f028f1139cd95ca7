// Host selection strategies (src/host_selection/): distributions over many picks with a seeded
// random source, weights, shared round-robin rotation, and the ConfigErrors for bad settings.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "awrap/errors.hpp"
#include "awrap/properties.hpp"
#include "host_selection/host_selector.hpp"
#include "host_selection/host_weights.hpp"

namespace awrap::internal {
namespace {

HostInfo host(std::string name, HostRole role, std::int64_t weight = 100,
              HostAvailability availability = HostAvailability::kAvailable) {
  HostInfo h;
  h.host = std::move(name);
  h.port = 5432;
  h.role = role;
  h.weight = weight;
  h.availability = availability;
  return h;
}

// A writer and three readers, listed out of name order.
std::vector<HostInfo> cluster() {
  return {host("w", HostRole::kWriter), host("r3", HostRole::kReader),
          host("r1", HostRole::kReader), host("r2", HostRole::kReader)};
}

HostSelectorSources seeded(std::uint64_t seed = 42) {
  auto engine = std::make_shared<std::mt19937_64>(seed);
  HostSelectorSources sources;
  sources.random = [engine] { return (*engine)(); };
  sources.round_robin = std::make_shared<RoundRobinPositions>();
  return sources;
}

std::map<std::string, int> count_picks(HostSelector& selector, const std::vector<HostInfo>& hosts,
                                       int picks, HostRole role = HostRole::kReader) {
  std::map<std::string, int> counts;
  for (int i = 0; i < picks; ++i) {
    auto chosen = selector.select(hosts, role);
    EXPECT_TRUE(chosen.has_value());
    if (chosen) ++counts[chosen->host];
  }
  return counts;
}

std::string sequence(HostSelector& selector, const std::vector<HostInfo>& hosts, int picks) {
  std::string out;
  for (int i = 0; i < picks; ++i) out += selector.select(hosts, HostRole::kReader)->host + " ";
  return out;
}

TEST(HostSelector, RandomSpreadsEvenlyOverAvailableHostsOfTheRole) {
  auto selector = make_host_selector({.strategy = "random"}, seeded());
  auto counts = count_picks(*selector, cluster(), 30000);
  EXPECT_EQ(counts.count("w"), 0u);
  ASSERT_EQ(counts.size(), 3u);
  for (const auto& [name, n] : counts) EXPECT_NEAR(n, 10000, 600) << name;
}

TEST(HostSelector, UnavailableHostsAndOtherRolesAreNeverChosen) {
  auto hosts = cluster();
  hosts[1].availability = HostAvailability::kUnavailable;  // r3
  for (std::string strategy :
       {"random", "round_robin", "weighted_random", "least_connections", "highest_weight"}) {
    auto sources = seeded();
    sources.open_connections = [](const HostInfo&) { return std::size_t{0}; };
    auto selector = make_host_selector({.strategy = strategy}, sources);
    auto counts = count_picks(*selector, hosts, 200);
    EXPECT_EQ(counts.count("r3"), 0u) << strategy;
    EXPECT_EQ(counts.count("w"), 0u) << strategy;
    auto writer = selector->select(hosts, HostRole::kWriter);
    ASSERT_TRUE(writer) << strategy;
    EXPECT_EQ(writer->host, "w") << strategy;
  }
}

TEST(HostSelector, NoEligibleHostIsNullopt) {
  std::vector<HostInfo> only_writer{host("w", HostRole::kWriter)};
  std::vector<HostInfo> all_down{
      host("r1", HostRole::kReader, 100, HostAvailability::kUnavailable)};
  for (std::string strategy :
       {"random", "round_robin", "weighted_random", "least_connections", "highest_weight"}) {
    auto selector = make_host_selector({.strategy = strategy}, seeded());
    EXPECT_FALSE(selector->select(only_writer, HostRole::kReader)) << strategy;
    EXPECT_FALSE(selector->select(all_down, HostRole::kReader)) << strategy;
    EXPECT_FALSE(selector->select({}, HostRole::kReader)) << strategy;
  }
}

struct RoundRobinCase {
  const char* name;
  std::int64_t default_weight;
  const char* pairs;
  const char* expected;  // the first 8 picks
};

class RoundRobinTable : public ::testing::TestWithParam<RoundRobinCase> {};

TEST_P(RoundRobinTable, CyclesInNameOrderGivingEachHostItsWeightInTurns) {
  const auto& c = GetParam();
  auto selector = make_host_selector({.strategy = "round_robin",
                                      .round_robin_default_weight = c.default_weight,
                                      .round_robin_host_weight_pairs = c.pairs},
                                     seeded());
  EXPECT_EQ(sequence(*selector, cluster(), 8), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Weights, RoundRobinTable,
    ::testing::Values(RoundRobinCase{"plain", 1, "", "r1 r2 r3 r1 r2 r3 r1 r2 "},
                      RoundRobinCase{"default2", 2, "", "r1 r1 r2 r2 r3 r3 r1 r1 "},
                      RoundRobinCase{"pairs", 1, "r1:3,r3:2", "r1 r1 r1 r2 r3 r3 r1 r1 "},
                      RoundRobinCase{"spaces", 1, " r2 : 2 , r3:1", "r1 r2 r2 r3 r1 r2 r2 r3 "}),
    [](const auto& test) { return std::string(test.param.name); });

TEST(HostSelector, RoundRobinRotationIsSharedBySelectorsThatSeeTheSameHosts) {
  auto positions = std::make_shared<RoundRobinPositions>();
  auto sources = seeded();
  sources.round_robin = positions;
  auto a = make_host_selector({.strategy = "round_robin"}, sources);
  auto b = make_host_selector({.strategy = "round_robin"}, sources);
  EXPECT_EQ(a->select(cluster(), HostRole::kReader)->host, "r1");
  EXPECT_EQ(b->select(cluster(), HostRole::kReader)->host, "r2");
  EXPECT_EQ(a->select(cluster(), HostRole::kReader)->host, "r3");
}

TEST(HostSelector, RoundRobinSkipsAHostThatWentDown) {
  auto selector = make_host_selector({.strategy = "round_robin"}, seeded());
  auto hosts = cluster();
  EXPECT_EQ(selector->select(hosts, HostRole::kReader)->host, "r1");
  hosts[3].availability = HostAvailability::kUnavailable;  // r2
  EXPECT_EQ(selector->select(hosts, HostRole::kReader)->host, "r3");
  EXPECT_EQ(selector->select(hosts, HostRole::kReader)->host, "r1");
}

TEST(HostSelector, WeightedRandomPicksInProportionToWeights) {
  auto selector = make_host_selector(
      {.strategy = "weighted_random", .weighted_random_host_weight_pairs = "r1:6,r2:3"}, seeded(7));
  auto counts = count_picks(*selector, cluster(), 50000);  // weights 6, 3, 1 (default)
  EXPECT_NEAR(counts["r1"], 30000, 800);
  EXPECT_NEAR(counts["r2"], 15000, 700);
  EXPECT_NEAR(counts["r3"], 5000, 500);
  EXPECT_EQ(counts.count("w"), 0u);
}

TEST(HostSelector, WeightedRandomMatchesPairsByInstanceIdToo) {
  auto hosts = cluster();
  hosts[1].host_id = "instance-3";  // r3
  auto selector = make_host_selector({.strategy = "weighted_random",
                                      .weighted_random_default_weight = 1,
                                      .weighted_random_host_weight_pairs = "instance-3:98"},
                                     seeded(3));
  auto counts = count_picks(*selector, hosts, 10000);
  EXPECT_GT(counts["r3"], 9600);
}

TEST(HostSelector, LeastConnectionsPicksTheHostWithFewestOpenConnections) {
  std::map<std::string, std::size_t> open{{"r1", 4}, {"r2", 1}, {"r3", 2}};
  auto sources = seeded();
  sources.open_connections = [&](const HostInfo& h) { return open[h.host]; };
  auto selector = make_host_selector({.strategy = "least_connections"}, sources);
  EXPECT_EQ(selector->select(cluster(), HostRole::kReader)->host, "r2");
  // Opening connections where it points spreads them: 1,1,1 -> ... -> never more than 1 apart.
  for (int i = 0; i < 30; ++i) ++open[selector->select(cluster(), HostRole::kReader)->host];
  EXPECT_LE(std::max({open["r1"], open["r2"], open["r3"]}) -
                std::min({open["r1"], open["r2"], open["r3"]}),
            1u);
}

TEST(HostSelector, LeastConnectionsBreaksTiesAtRandom) {
  auto sources = seeded();
  sources.open_connections = [](const HostInfo&) { return std::size_t{0}; };
  auto selector = make_host_selector({.strategy = "least_connections"}, sources);
  auto counts = count_picks(*selector, cluster(), 3000);
  ASSERT_EQ(counts.size(), 3u);
  for (const auto& [name, n] : counts) EXPECT_NEAR(n, 1000, 150) << name;
}

TEST(HostSelector, HighestWeightPicksTheHeaviestEligibleHost) {
  auto hosts = cluster();
  hosts[1].weight = 300;  // r3
  hosts[2].weight = 500;  // r1
  hosts[0].weight = 900;  // the writer: another role
  auto selector = make_host_selector({.strategy = "highest_weight"}, seeded());
  EXPECT_EQ(selector->select(hosts, HostRole::kReader)->host, "r1");
  hosts[2].availability = HostAvailability::kUnavailable;
  EXPECT_EQ(selector->select(hosts, HostRole::kReader)->host, "r3");
}

struct BadConfig {
  const char* name;
  HostSelectorConfig config;
  const char* property;
  const char* value;
};

class BadSelectorConfig : public ::testing::TestWithParam<BadConfig> {};

TEST_P(BadSelectorConfig, IsAConfigErrorNamingPropertyValueAndWhatIsAccepted) {
  const auto& c = GetParam();
  try {
    make_host_selector(c.config, seeded());
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find(std::string("'") + c.property + "'"), std::string::npos) << what;
    EXPECT_NE(what.find(std::string("'") + c.value + "'"), std::string::npos) << what;
    EXPECT_NE(what.find("expected"), std::string::npos) << what;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadSelectorConfig,
    ::testing::Values(
        BadConfig{"unknown",
                  {.strategy = "fastest", .strategy_property = "reader_host_selector_strategy"},
                  "reader_host_selector_strategy",
                  "fastest"},
        BadConfig{"rr_no_colon",
                  {.strategy = "round_robin", .round_robin_host_weight_pairs = "r1:2,r2"},
                  "round_robin_host_weight_pairs",
                  "r1:2,r2"},
        BadConfig{"rr_no_host",
                  {.strategy = "round_robin", .round_robin_host_weight_pairs = ":3"},
                  "round_robin_host_weight_pairs",
                  ":3"},
        BadConfig{"rr_zero",
                  {.strategy = "round_robin", .round_robin_host_weight_pairs = "r1:0"},
                  "round_robin_host_weight_pairs",
                  "r1:0"},
        BadConfig{"rr_not_number",
                  {.strategy = "round_robin", .round_robin_host_weight_pairs = "r1:two"},
                  "round_robin_host_weight_pairs",
                  "r1:two"},
        BadConfig{"rr_default",
                  {.strategy = "round_robin", .round_robin_default_weight = 0},
                  "round_robin_default_weight",
                  "0"},
        BadConfig{"wr_negative",
                  {.strategy = "weighted_random", .weighted_random_host_weight_pairs = "r1:-1"},
                  "weighted_random_host_weight_pairs",
                  "r1:-1"},
        BadConfig{"wr_empty_pair",
                  {.strategy = "weighted_random", .weighted_random_host_weight_pairs = "r1:1,,"},
                  "weighted_random_host_weight_pairs",
                  "r1:1,,"}),
    [](const auto& test) { return std::string(test.param.name); });

TEST(HostSelector, WeightPairsOfAStrategyNotInUseAreNotRead) {
  EXPECT_NO_THROW(
      make_host_selector({.strategy = "random", .round_robin_host_weight_pairs = "nonsense"}));
}

TEST(HostSelector, StrategyPropertiesRejectUnknownNamesAtParse) {
  for (std::string property :
       {"failover_reader_host_selector_strategy",
        "reader_initial_connection_host_selector_strategy", "reader_host_selector_strategy"}) {
    try {
      Properties::parse({{property, "fastest"}});
      FAIL() << property;
    } catch (const ConfigError& e) {
      std::string what = e.what();
      EXPECT_NE(what.find(property), std::string::npos) << what;
      EXPECT_NE(what.find("'fastest'"), std::string::npos) << what;
      EXPECT_NE(what.find("fastest_response"), std::string::npos) << what;
      EXPECT_NE(what.find("round_robin"), std::string::npos) << what;
    }
    EXPECT_EQ(Properties::parse({{property, "fastest_response"}}).get_choice(property),
              "fastest_response");
    EXPECT_EQ(Properties::parse({{property, "round-robin"}}).get_choice(property), "round_robin");
  }
  EXPECT_THROW(Properties::parse({{"round_robin_default_weight", "0"}}), ConfigError);
  EXPECT_THROW(Properties::parse({{"weighted_random_default_weight", "-2"}}), ConfigError);
}

TEST(HostWeights, ParsesPairsByHostNameOrInstanceId) {
  auto weights = parse_host_weight_pairs("instance-1:3,db.example.com:1", "p");
  EXPECT_EQ(weights.size(), 2u);
  HostInfo by_id = host("10.0.0.1", HostRole::kReader);
  by_id.host_id = "instance-1";
  EXPECT_EQ(weight_of(by_id, weights, 7), 3);
  EXPECT_EQ(weight_of(host("db.example.com", HostRole::kReader), weights, 7), 1);
  EXPECT_EQ(weight_of(host("other", HostRole::kReader), weights, 7), 7);
  EXPECT_TRUE(parse_host_weight_pairs("", "p").empty());
  EXPECT_TRUE(parse_host_weight_pairs("  ", "p").empty());
}

}  // namespace
}  // namespace awrap::internal
