// Self-tests of the lab with MariaDB, through the MariaDB Connector/C API directly (not awrap).
// Addresses 127.0.0.51-59; tests of this file must not run in parallel with each other.
#include <mysql.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/eventually.hpp"
#include "support/lab_cluster.hpp"
#include "support/lab_leftovers.hpp"

namespace awrap::internal::testing {
namespace {

using Clock = std::chrono::steady_clock;
using MysqlConnection = std::unique_ptr<MYSQL, decltype(&mysql_close)>;
using MysqlResult = std::unique_ptr<MYSQL_RES, decltype(&mysql_free_result)>;
using Row = std::map<std::string, std::optional<std::string>>;  // by column name

constexpr const char* kBase = "127.0.0.51";
constexpr const char* kPassword = "awrap-lab-password";

// Connects as the lab login; returns nullptr-holding pointer on failure, error in *error.
MysqlConnection connect_node(const LabNode& node, unsigned connect_timeout_s,
                             std::string* error = nullptr) {
  MysqlConnection connection(mysql_init(nullptr), &mysql_close);
  mysql_options(connection.get(), MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout_s);
  mysql_options(connection.get(), MYSQL_OPT_READ_TIMEOUT, &connect_timeout_s);
  if (mysql_real_connect(connection.get(), node.host.c_str(), "awrap", kPassword, "awrap",
                         static_cast<unsigned>(node.port), nullptr, 0) == nullptr) {
    if (error != nullptr) *error = mysql_error(connection.get());
    return MysqlConnection(nullptr, &mysql_close);
  }
  return connection;
}

// Runs one statement; throws with the server's message. Rows keyed by column name.
std::vector<Row> run(MYSQL* connection, const std::string& statement) {
  if (mysql_query(connection, statement.c_str()) != 0) {
    throw std::runtime_error(statement + ": " + mysql_error(connection));
  }
  MysqlResult result(mysql_store_result(connection), &mysql_free_result);
  std::vector<Row> rows;
  if (!result) return rows;
  const unsigned columns = mysql_num_fields(result.get());
  const MYSQL_FIELD* fields = mysql_fetch_fields(result.get());
  while (MYSQL_ROW row = mysql_fetch_row(result.get())) {
    Row named;
    for (unsigned c = 0; c < columns; ++c) {
      named[fields[c].name] = row[c] ? std::optional<std::string>(row[c]) : std::nullopt;
    }
    rows.push_back(std::move(named));
  }
  return rows;
}

std::vector<Row> query_node(const LabCluster& cluster, const std::string& node_name,
                            const std::string& statement) {
  std::string error;
  MysqlConnection connection = connect_node(cluster.node(node_name), 5, &error);
  if (!connection) throw std::runtime_error(node_name + ": " + error);
  return run(connection.get(), statement);
}

std::optional<std::string> master_server_id(const LabCluster& cluster, const std::string& node) {
  auto rows = query_node(cluster, node, "SHOW REPLICA STATUS");
  if (rows.empty()) return std::nullopt;
  return rows.at(0).at("Master_Server_Id");
}

TEST(LabMariaDbTest, UpDownLeavesNothing) {
  const std::string name = "labself-my-clean";
  std::string state_dir;
  {
    auto cluster = LabCluster::up({.name = name, .engine = "mariadb", .nodes = 2, .base = kBase});
    state_dir = lab_state_dir(cluster.status());
    cluster.fault("instance-2", LabFault::kBlackhole);
    cluster.fault("instance-1", LabFault::kHang);
  }
  const LabLeftovers after = lab_leftovers(name, state_dir);
  EXPECT_EQ(after.processes, 0);
  EXPECT_FALSE(after.state_dir);
  EXPECT_FALSE(after.hosts_block);
  EXPECT_FALSE(after.iptables_rules);
}

class LabMariaDbMultiAzTest : public LabClusterTest {
 protected:
  LabOptions lab_options() const override {
    return {.name = "labself-my-maz", .engine = "mariadb", .flavour = "multi-az", .base = kBase};
  }
};

TEST_F(LabMariaDbMultiAzTest, ReplicationReadOnlyAndTopology) {
  const LabStatus status = cluster().status();
  ASSERT_EQ(status.nodes.size(), 3U);
  query_node(cluster(), "instance-1", "CREATE TABLE replicated(v INT)");
  query_node(cluster(), "instance-1", "INSERT INTO replicated VALUES (1)");
  for (const auto& node : status.nodes) {
    SCOPED_TRACE(node.name);
    EXPECT_TRUE(eventually(
        [&] { return query_node(cluster(), node.name, "SELECT v FROM replicated").size() == 1; }));
    auto self = query_node(cluster(), node.name,
                           "SELECT @@server_id AS id, @@read_only AS ro, VERSION() AS version");
    EXPECT_EQ(self.at(0).at("ro"), node.is_writer() ? "0" : "1");
    EXPECT_NE(self.at(0).at("version").value_or("").find("MariaDB"), std::string::npos);
    auto topology =
        query_node(cluster(), node.name, "SELECT id, endpoint, port FROM mysql.rds_topology");
    ASSERT_EQ(topology.size(), 3U);
    auto mine = query_node(cluster(), node.name,
                           "SELECT endpoint FROM mysql.rds_topology WHERE id = @@server_id");
    ASSERT_EQ(mine.size(), 1U);
    EXPECT_EQ(mine.at(0).at("endpoint"), node.hostname);
    EXPECT_EQ(master_server_id(cluster(), node.name),
              node.is_writer() ? std::nullopt : std::optional<std::string>("1"));
  }
  // The lab login cannot write through read_only on a replica (like the RDS master user).
  EXPECT_THROW(query_node(cluster(), "instance-2", "INSERT INTO replicated VALUES (2)"),
               std::runtime_error);
}

TEST_F(LabMariaDbMultiAzTest, FailoverRepointsReplicasAndOldWriterRejoins) {
  query_node(cluster(), "instance-1", "CREATE TABLE before_failover(v INT)");
  cluster().fault("instance-1", LabFault::kCrash);
  const LabStatus after = cluster().failover();
  ASSERT_NE(after.writer, "instance-1");
  const std::string new_writer = after.writer;
  const std::string new_writer_id = new_writer.substr(new_writer.find('-') + 1);
  query_node(cluster(), new_writer, "INSERT INTO before_failover VALUES (1)");
  ASSERT_TRUE(cluster().last_event("writer_accepting_writes", new_writer).has_value());
  for (const auto& node : after.nodes) {
    if (node.is_writer() || !node.is_running()) continue;
    SCOPED_TRACE(node.name);
    EXPECT_EQ(master_server_id(cluster(), node.name), new_writer_id);
    EXPECT_TRUE(eventually([&] {
      return query_node(cluster(), node.name, "SELECT v FROM before_failover").size() == 1;
    }));
  }
  const LabStatus healed = cluster().heal("instance-1");
  EXPECT_EQ(healed.node("instance-1").role, "reader");
  EXPECT_EQ(query_node(cluster(), "instance-1", "SELECT @@read_only AS ro").at(0).at("ro"), "1");
  EXPECT_EQ(master_server_id(cluster(), "instance-1"), new_writer_id);
  EXPECT_TRUE(eventually([&] {
    return query_node(cluster(), "instance-1", "SELECT v FROM before_failover").size() == 1;
  }));
}

TEST(LabMariaDbTest, BlackholeAndHangMakeConnectsTimeOutAndHealRestores) {
  auto cluster =
      LabCluster::up({.name = "labself-my-net", .engine = "mariadb", .nodes = 2, .base = kBase});
  for (const LabFault fault : {LabFault::kBlackhole, LabFault::kHang}) {
    SCOPED_TRACE(std::string(to_string(fault)));
    const LabStatus faulty = cluster.fault("instance-2", fault);
    const auto started = Clock::now();
    std::string error;
    EXPECT_FALSE(connect_node(faulty.node("instance-2"), 2, &error));
    EXPECT_GE(std::chrono::duration<double>(Clock::now() - started).count(), 1.5) << error;
    const LabStatus healed = cluster.heal("instance-2");
    EXPECT_EQ(healed.node("instance-2").state, "running");
    EXPECT_TRUE(connect_node(healed.node("instance-2"), 5, &error)) << error;
  }
}

}  // namespace
}  // namespace awrap::internal::testing
