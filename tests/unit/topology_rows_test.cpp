// Topology rows a cluster may report half empty (issue 12 item 13): a row naming no instance, or
// on Multi-AZ no endpoint, is skipped, never turned into an empty host name (libpq reads "" as
// localhost). Both engines' row parsers, one table per shape.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "dialect/mysql_dialects.hpp"
#include "dialect/pg_dialects.hpp"
#include "support/fake_result.hpp"

namespace awrap::internal {
namespace {

using testing::FakeResult;
using Rows = std::vector<std::vector<std::optional<std::string>>>;

std::vector<std::string> ids(const std::vector<TopologyEntry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.instance_id);
  return out;
}

TEST(TopologyRows, AuroraRowsWithoutAnInstanceIdAreSkipped) {
  FakeResult pg({"server_id", "is_writer", "lag", "last_update"},
                Rows{{"instance-1", "t", "0", std::nullopt},
                     {std::nullopt, "f", "0", std::nullopt},
                     {"", "f", "0", std::nullopt},
                     {"instance-2", "f", "0", std::nullopt}});
  EXPECT_EQ(ids(aurora_pg_topology_from_rows(pg)),
            (std::vector<std::string>{"instance-1", "instance-2"}));
  FakeResult mysql({"server_id", "is_writer", "lag", "last_update", "age"},
                   Rows{{"instance-1", "1", "0", std::nullopt, "0"},
                        {std::nullopt, "0", "0", std::nullopt, "0"},
                        {"", "0", "0", std::nullopt, "0"},
                        {"instance-2", "0", "0", std::nullopt, "0"}});
  EXPECT_EQ(ids(aurora_mysql_topology_from_rows(mysql)),
            (std::vector<std::string>{"instance-1", "instance-2"}));
}

TEST(TopologyRows, MultiAzPgRowsWithoutAnIdOrEndpointAreSkipped) {
  FakeResult pg({"id", "endpoint", "port", "is_writer"},
                Rows{{"db-1", "db-1.example", "5432", "t"},
                     {"db-2", std::nullopt, "5432", "f"},
                     {"db-3", "", "5432", "f"},
                     {std::nullopt, "db-4.example", "5432", "f"},
                     {"db-5", "db-5.example", "5432", "f"}});
  auto entries = multi_az_pg_topology_from_rows(pg);
  EXPECT_EQ(ids(entries), (std::vector<std::string>{"db-1", "db-5"}));
  for (const auto& e : entries) EXPECT_FALSE(e.endpoint.empty());
}

TEST(TopologyRows, MultiAzMysqlRowsWithoutAnIdAreSkipped) {
  FakeResult mysql({"id", "endpoint", "port"}, Rows{{"1", "db-1.example", "3306"},
                                                    {std::nullopt, "db-2.example", "3306"},
                                                    {"", "db-3.example", "3306"},
                                                    {"4", std::nullopt, "3306"}});
  auto entries = multi_az_mysql_topology_from_rows(mysql, "1");
  EXPECT_EQ(ids(entries), (std::vector<std::string>{"1", "4"}));
  EXPECT_TRUE(entries[0].is_writer);
}

}  // namespace
}  // namespace awrap::internal
