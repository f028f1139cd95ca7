// Self-tests of the lab with PostgreSQL: they talk to the servers through libpq directly (not
// awrap), so they check the lab itself. Addresses 127.0.0.31-39; tests of this file must not
// run in parallel with each other.
#include <libpq-fe.h>
#include <netdb.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
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
using PgConnection = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using PgResult = std::unique_ptr<PGresult, decltype(&PQclear)>;
using Row = std::vector<std::optional<std::string>>;

constexpr const char* kBase = "127.0.0.31";

PgConnection pg_connect(const std::string& conninfo, int connect_timeout_s = 5) {
  const std::string full = conninfo + " connect_timeout=" + std::to_string(connect_timeout_s);
  return PgConnection(PQconnectdb(full.c_str()), &PQfinish);
}

// Runs a statement; fails the test (by exception) with the server's message.
std::vector<Row> pg_query(PGconn* connection, const std::string& statement) {
  PgResult result(PQexec(connection, statement.c_str()), &PQclear);
  const auto status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    throw std::runtime_error(statement + ": " + PQerrorMessage(connection));
  }
  std::vector<Row> rows;
  for (int r = 0; r < PQntuples(result.get()); ++r) {
    Row row;
    for (int c = 0; c < PQnfields(result.get()); ++c) {
      if (PQgetisnull(result.get(), r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(PQgetvalue(result.get(), r, c));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<Row> query_node(const LabCluster& cluster, const std::string& node,
                            const std::string& statement) {
  PgConnection connection = pg_connect(cluster.conninfo(node));
  if (PQstatus(connection.get()) != CONNECTION_OK) {
    throw std::runtime_error(node + ": " + PQerrorMessage(connection.get()));
  }
  return pg_query(connection.get(), statement);
}

// Polls until check() holds (replication is asynchronous) or the timeout passes.
std::string resolve(const std::string& hostname) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* found = nullptr;
  if (getaddrinfo(hostname.c_str(), nullptr, &hints, &found) != 0) return "";
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(found, &freeaddrinfo);
  std::array<char, INET_ADDRSTRLEN> text{};
  const auto* address = reinterpret_cast<const sockaddr_in*>(found->ai_addr);
  inet_ntop(AF_INET, &address->sin_addr, text.data(), text.size());
  return text.data();
}

double connect_seconds(const std::string& conninfo, int connect_timeout_s, bool* ok) {
  const auto started = Clock::now();
  PgConnection connection = pg_connect(conninfo, connect_timeout_s);
  *ok = PQstatus(connection.get()) == CONNECTION_OK;
  return std::chrono::duration<double>(Clock::now() - started).count();
}

TEST(LabPgTest, UpDownLeavesNothing) {
  std::string name = "labself-pg-clean";
  std::string state_dir;
  {
    auto cluster = LabCluster::up({.name = name, .engine = "pg", .nodes = 2, .base = kBase});
    const LabStatus status = cluster.status();
    state_dir = lab_state_dir(status);
    EXPECT_EQ(status.writer, "instance-1");
    ASSERT_EQ(status.nodes.size(), 2U);
    EXPECT_EQ(status.host_pattern, "?." + name + ".awlab.test");
    EXPECT_EQ(resolve("instance-2." + name + ".awlab.test"), "127.0.0.32");
    EXPECT_EQ(resolve(status.cluster_endpoint), "127.0.0.31");
    EXPECT_EQ(resolve(status.reader_endpoint), "127.0.0.32");
    // Faults that a careless teardown would leave behind.
    cluster.fault("instance-2", LabFault::kBlackhole);
    cluster.fault("instance-1", LabFault::kHang);
    const LabLeftovers during = lab_leftovers(name, state_dir);
    EXPECT_GT(during.processes, 0);
    EXPECT_TRUE(during.iptables_rules);
    EXPECT_TRUE(during.hosts_block);
  }  // ~LabCluster: awlab down
  const LabLeftovers after = lab_leftovers(name, state_dir);
  EXPECT_EQ(after.processes, 0);
  EXPECT_FALSE(after.iptables_rules);
  EXPECT_FALSE(after.state_dir);
  EXPECT_FALSE(after.hosts_block);
  // down is idempotent.
  EXPECT_EQ(LabCluster::run_awlab({"down", "--name", name}).exit_code, 0);
}

class LabPgAuroraTest : public LabClusterTest {
 protected:
  LabOptions lab_options() const override {
    return {.name = "labself-pg-aurora", .engine = "pg", .flavour = "aurora", .base = kBase};
  }
};

TEST_F(LabPgAuroraTest, ReplicationAndEmulationOnEveryNode) {
  const LabStatus status = cluster().status();
  ASSERT_EQ(status.nodes.size(), 3U);
  query_node(cluster(), "instance-1", "CREATE TABLE lab_replicated(v text)");
  query_node(cluster(), "instance-1", "INSERT INTO lab_replicated VALUES ('from-writer')");
  for (const auto& node : status.nodes) {
    SCOPED_TRACE(node.name);
    EXPECT_TRUE(eventually([&] {
      return query_node(cluster(), node.name, "SELECT v FROM lab_replicated").size() == 1;
    }));
    auto identity = query_node(cluster(), node.name,
                               "SELECT aurora_db_instance_identifier(), pg_is_in_recovery(), "
                               "current_setting('rds.extensions', true)");
    EXPECT_EQ(identity.at(0).at(0), node.name);
    EXPECT_EQ(identity.at(0).at(1), node.is_writer() ? "f" : "t");
    EXPECT_NE(identity.at(0).at(2).value_or("").find("aurora_stat_utils"), std::string::npos);
    auto topology =
        query_node(cluster(), node.name,
                   "SELECT server_id, session_id, cpu, replica_lag_in_msec, last_update_timestamp "
                   "FROM aurora_replica_status() ORDER BY server_id");
    ASSERT_EQ(topology.size(), 3U);
    for (const auto& row : topology) {
      EXPECT_EQ(row.at(1) == "MASTER_SESSION_ID", row.at(0) == "instance-1");
      EXPECT_TRUE(row.at(4).has_value());
    }
  }
  // A standby refuses writes.
  EXPECT_THROW(query_node(cluster(), "instance-2", "INSERT INTO lab_replicated VALUES ('x')"),
               std::runtime_error);
}

TEST_F(LabPgAuroraTest, FailoverMovesTheWriterEverywhere) {
  const auto before = cluster().fault("instance-1", LabFault::kCrash);
  EXPECT_EQ(before.node("instance-1").state, "crashed");
  const LabStatus after = cluster().failover();
  ASSERT_NE(after.writer, "instance-1");
  const std::string new_writer = after.writer;
  EXPECT_EQ(resolve(after.cluster_endpoint), after.node(new_writer).host);

  query_node(cluster(), new_writer, "CREATE TABLE after_failover(v int)");
  query_node(cluster(), new_writer, "INSERT INTO after_failover VALUES (1)");
  for (const auto& node : after.nodes) {
    if (!node.is_running()) continue;
    SCOPED_TRACE(node.name);
    EXPECT_TRUE(eventually([&] {
      auto rows = query_node(cluster(), node.name,
                             "SELECT server_id FROM aurora_replica_status() "
                             "WHERE session_id = 'MASTER_SESSION_ID'");
      return rows.size() == 1 && rows[0][0] == new_writer;
    }));
  }

  // The event log carries the benchmark's clock: fault < promotion asked <= the new writer's
  // first commit (server clock) <= its acknowledgement to the lab's probe session. ("promoted",
  // seen by a spawned psql, may come after the probe's commit: docs/lab.md.)
  const auto fault_event = cluster().last_event("fault_injected", "instance-1");
  const auto promoting = cluster().last_event("promoting", new_writer);
  const auto accepting = cluster().last_event("writer_accepting_writes", new_writer);
  ASSERT_TRUE(fault_event && promoting && accepting);
  EXPECT_LT(fault_event->at("mono_ns").get<std::int64_t>(),
            promoting->at("mono_ns").get<std::int64_t>());
  const auto committed = accepting->at("server_commit_mono_ns").get<std::int64_t>();
  EXPECT_LE(promoting->at("mono_ns").get<std::int64_t>(), committed + 1000000);  // 1 ms clock slack
  EXPECT_LE(committed, accepting->at("mono_ns").get<std::int64_t>() + 1000000);
  EXPECT_GE(accepting->at("since_promoting_ms").get<double>(), 0.0);
  const auto now_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
  EXPECT_LE(accepting->at("mono_ns").get<std::int64_t>(), now_ns);  // same clock as steady_clock

  // The old writer comes back as a standby of the new one and catches up.
  const LabStatus rejoined = cluster().rejoin("instance-1");
  EXPECT_EQ(rejoined.node("instance-1").role, "reader");
  EXPECT_EQ(rejoined.node("instance-1").state, "running");
  EXPECT_EQ(query_node(cluster(), "instance-1", "SELECT pg_is_in_recovery()").at(0).at(0), "t");
  EXPECT_TRUE(eventually([&] {
    return query_node(cluster(), "instance-1", "SELECT v FROM after_failover").size() == 1;
  }));
}

TEST_F(LabPgAuroraTest, AutomaticFailoverAfterAFault) {
  // Like Aurora: the test only breaks the writer; the lab fails over by itself.
  cluster().fault("instance-1", LabFault::kBlackhole, 300);
  std::string writer;
  EXPECT_TRUE(eventually(
      [&] {
        writer = cluster().status().writer;
        return writer != "instance-1" && cluster().last_event("dns_updated").has_value();
      },
      std::chrono::seconds(20)));
  const auto scheduled = cluster().last_event("failover_scheduled");
  const auto accepting = cluster().last_event("writer_accepting_writes", writer);
  ASSERT_TRUE(scheduled && accepting);
  EXPECT_GE(
      accepting->at("mono_ns").get<std::int64_t>() - scheduled->at("mono_ns").get<std::int64_t>(),
      300'000'000);
  query_node(cluster(), writer, "CREATE TABLE after_automatic_failover(v int)");
}

TEST(LabPgTest, MultiAzFunctionsOnEveryNode) {
  auto cluster = LabCluster::up(
      {.name = "labself-pg-maz", .engine = "pg", .flavour = "multi-az", .base = kBase});
  const LabStatus status = cluster.status();
  std::map<std::string, std::string> resource_ids;  // node -> dbi_resource_id
  for (const auto& node : status.nodes) {
    resource_ids[node.name] =
        query_node(cluster, node.name, "SELECT dbi_resource_id FROM rds_tools.dbi_resource_id()")
            .at(0)
            .at(0)
            .value_or("");
  }
  EXPECT_EQ(resource_ids.size(), 3U);
  for (const auto& node : status.nodes) {
    SCOPED_TRACE(node.name);
    auto topology = query_node(cluster, node.name,
                               "SELECT id, endpoint, port FROM rds_tools.show_topology('lab') "
                               "ORDER BY endpoint");
    ASSERT_EQ(topology.size(), 3U);
    for (std::size_t i = 0; i < topology.size(); ++i) {
      const std::string instance = "instance-" + std::to_string(i + 1);
      EXPECT_EQ(topology[i][0], resource_ids[instance]);
      EXPECT_EQ(topology[i][1], instance + ".labself-pg-maz.awlab.test");
      EXPECT_EQ(topology[i][2], "5432");
    }
    auto source = query_node(cluster, node.name,
                             "SELECT multi_az_db_cluster_source_dbi_resource_id "
                             "FROM rds_tools.multi_az_db_cluster_source_dbi_resource_id()");
    // The writer's id everywhere, on the writer its own (as RDS does: the AWS wrappers detect
    // the flavour by a non-NULL value).
    EXPECT_EQ(source.at(0).at(0), resource_ids[status.writer]);
    EXPECT_NE(query_node(cluster, node.name, "SELECT current_setting('rds.extensions', true)")
                  .at(0)
                  .at(0)
                  .value_or("")
                  .find("rds_tools"),
              std::string::npos);
  }
  // After a switchover, readers name the new writer as their source.
  const LabStatus switched = cluster.switchover("instance-3");
  EXPECT_EQ(switched.writer, "instance-3");
  for (const auto& node : switched.nodes) {
    if (node.is_writer()) continue;
    SCOPED_TRACE(node.name);
    EXPECT_TRUE(eventually([&] {
      return query_node(cluster, node.name,
                        "SELECT multi_az_db_cluster_source_dbi_resource_id "
                        "FROM rds_tools.multi_az_db_cluster_source_dbi_resource_id()")
                 .at(0)
                 .at(0) == resource_ids["instance-3"];
    }));
  }
}

TEST(LabPgTest, BlackholeAndHangMakeConnectsTimeOutAndHealRestores) {
  auto cluster =
      LabCluster::up({.name = "labself-pg-net", .engine = "pg", .nodes = 2, .base = kBase});
  const std::string conninfo = cluster.conninfo("instance-2");
  for (const LabFault fault : {LabFault::kBlackhole, LabFault::kHang}) {
    SCOPED_TRACE(std::string(to_string(fault)));
    const LabStatus faulty = cluster.fault("instance-2", fault);
    EXPECT_EQ(faulty.node("instance-2").state, fault == LabFault::kHang ? "hung" : "blackholed");
    bool ok = true;
    const double waited = connect_seconds(conninfo, 2, &ok);
    EXPECT_FALSE(ok);
    EXPECT_GE(waited, 1.5);  // it hung until the timeout, it was not refused
    const LabStatus healed = cluster.heal("instance-2");
    EXPECT_EQ(healed.node("instance-2").state, "running");
    connect_seconds(conninfo, 5, &ok);
    EXPECT_TRUE(ok);
  }
}

TEST(LabPgTest, SyncSwitchoverKeepsEveryAcknowledgedWrite) {
  auto cluster = LabCluster::up(
      {.name = "labself-pg-sync", .engine = "pg", .nodes = 3, .base = kBase, .sync = true});
  query_node(cluster, "instance-1", "CREATE TABLE acknowledged(v int)");
  query_node(cluster, "instance-1", "INSERT INTO acknowledged SELECT generate_series(1, 100)");
  const LabStatus switched = cluster.switchover();
  ASSERT_NE(switched.writer, "instance-1");
  EXPECT_EQ(query_node(cluster, switched.writer, "SELECT count(*) FROM acknowledged").at(0).at(0),
            "100");
  EXPECT_EQ(switched.node("instance-1").role, "reader");
  EXPECT_EQ(query_node(cluster, "instance-1", "SELECT pg_is_in_recovery()").at(0).at(0), "t");
  // The new writer's commits wait for a standby; they go through, so one is synchronous.
  query_node(cluster, switched.writer, "INSERT INTO acknowledged VALUES (101)");
  EXPECT_TRUE(eventually([&] {
    return query_node(cluster, "instance-1", "SELECT count(*) FROM acknowledged").at(0).at(0) ==
           "101";
  }));
}

}  // namespace
}  // namespace awrap::internal::testing
