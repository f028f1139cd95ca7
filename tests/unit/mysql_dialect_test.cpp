// MySQL dialects over recorded server answers: the edge cases a lab cluster does not produce
// (stale rows, two writer rows, NULLs, MySQL 8 column names). Every MySQL dialect also runs
// against real MariaDB clusters (aurora, multi-az and plain flavours of the lab) in
// tests/integration/failover_contract_test.cpp.
#include <gtest/gtest.h>

#include "awrap/errors.hpp"
#include "dialect/dialect.hpp"
#include "dialect/mysql_dialects.hpp"
#include "support/fake_sql_connection.hpp"

namespace awrap::internal {
namespace {

using testing::FakeSqlConnection;

// A stock server: no Aurora variable, no rds_topology, a Debian basedir.
void answer_stock_server(FakeSqlConnection& c, std::string version) {
  c.answer("SHOW VARIABLES LIKE 'aurora", {"Variable_name", "Value"}, {});
  c.fail("mysql.rds_topology",
         QueryError("Table 'mysql.rds_topology' doesn't exist", "42S02", 1146));
  c.answer("SELECT @@basedir", {"@@basedir"}, {{"/usr"}});
  c.answer("SELECT VERSION()", {"VERSION()"}, {{std::move(version)}});
}

TEST(MysqlDialectDetection, MariaDbByVersionText) {
  FakeSqlConnection c;
  answer_stock_server(c, "10.11.19-MariaDB-0+deb12u1-log");
  EXPECT_EQ(detect_dialect(c, "mysql")->code(), "mariadb");
}

TEST(MysqlDialectDetection, MysqlWhenTheVersionDoesNotSayMariaDb) {
  FakeSqlConnection c;
  answer_stock_server(c, "8.0.36");
  EXPECT_EQ(detect_dialect(c, "mysql")->code(), "mysql");
}

TEST(MysqlDialectDetection, RdsInstanceByItsInstallDirectory) {
  FakeSqlConnection c;
  answer_stock_server(c, "8.0.36");
  c.answer("SELECT @@basedir", {"@@basedir"}, {{"/rdsdbbin/mysql-8.0.36.R2/"}});
  EXPECT_EQ(detect_dialect(c, "mysql")->code(), "rds-mysql");
}

TEST(MysqlDialectDetection, MultiAzByANonEmptyTopologyTable) {
  FakeSqlConnection c;
  answer_stock_server(c, "8.0.36");
  c.answer("SELECT @@basedir", {"@@basedir"}, {{"/rdsdbbin/mysql-8.0.36.R2/"}});
  c.answer("SELECT COUNT(*) FROM mysql.rds_topology", {"COUNT(*)"}, {{"3"}});
  EXPECT_EQ(detect_dialect(c, "mysql")->code(), "multi-az-mysql");
}

TEST(MysqlDialectDetection, AnEmptyTopologyTableIsNotACluster) {
  FakeSqlConnection c;
  answer_stock_server(c, "10.11.19-MariaDB");
  c.answer("SELECT COUNT(*) FROM mysql.rds_topology", {"COUNT(*)"}, {{"0"}});
  EXPECT_EQ(detect_dialect(c, "mysql")->code(), "mariadb");
}

TEST(MysqlDialectDetection, AuroraByVariableAndStatusTable) {
  FakeSqlConnection c;
  answer_stock_server(c, "8.0.32");
  c.answer("SHOW VARIABLES LIKE 'aurora", {"Variable_name", "Value"},
           {{"aurora_version", "3.05.2"}});
  c.answer("information_schema.replica_host_status", {"COUNT(*)"}, {{"2"}});
  EXPECT_EQ(detect_dialect(c, "mysql")->code(), "aurora-mysql");
}

TEST(MysqlDialectDetection, ALostConnectionIsNotANo) {
  FakeSqlConnection c;
  answer_stock_server(c, "8.0.32");
  c.fail("mysql.rds_topology", ConnectionLostError("server gone", "08S01", 2013));
  EXPECT_THROW(detect_dialect(c, "mysql"), ConnectionLostError);
}

TEST(MysqlDialectCodes, EveryCodeIsAcceptedAndUnderscoresToo) {
  for (std::string code : {"mysql", "mariadb", "rds-mysql", "aurora-mysql", "multi-az-mysql"})
    EXPECT_EQ(make_dialect(code, "mysql")->code(), code);
  EXPECT_EQ(make_dialect("multi_az_mysql", "mysql")->code(), "multi-az-mysql");
  EXPECT_TRUE(make_dialect("aurora-mysql", "mysql")->reports_topology());
  EXPECT_TRUE(make_dialect("multi-az-mysql", "mysql")->reports_topology());
  EXPECT_FALSE(make_dialect("mariadb", "mysql")->reports_topology());
}

TEST(MysqlDialectCodes, APgCodeOnMysqlIsAConfigErrorListingTheMysqlCodes) {
  try {
    make_dialect("aurora-pg", "mysql");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.property(), "wrapper_dialect");
    EXPECT_NE(std::string(e.what()).find("multi-az-mysql"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_dialect("mariadb", "pg"), ConfigError);
}

TEST(PlainMysqlDialect, WriterWhenNeitherReadOnlyFlagIsSet) {
  auto d = make_dialect("mariadb", "mysql");
  FakeSqlConnection c;
  c.answer("SELECT @@read_only, @@innodb_read_only", {"@@read_only", "@@innodb_read_only"},
           {{"0", "0"}});
  EXPECT_TRUE(d->is_writer(c));
  c.answer("SELECT @@read_only, @@innodb_read_only", {"@@read_only", "@@innodb_read_only"},
           {{"1", "0"}});
  EXPECT_FALSE(d->is_writer(c));
  c.answer("SELECT @@read_only, @@innodb_read_only", {"@@read_only", "@@innodb_read_only"},
           {{"0", "1"}});
  EXPECT_FALSE(d->is_writer(c));
  EXPECT_EQ(d->instance_id(c), "");
}

// Recorded in the shape Aurora MySQL returns for the dialect's query: server_id, writer flag,
// lag, last update (server time), age in seconds by the server's clock.
FakeSqlConnection aurora_cluster() {
  FakeSqlConnection c;
  c.answer("information_schema.replica_host_status",
           {"server_id", "is_writer", "lag", "last_update", "age"},
           {{"instance-1", "1", "0", "2026-11-25 02:00:00", "0"},
            {"instance-2", "0", "12.5", "2026-11-25 02:00:00", "0"},
            {"instance-3", "0", "7", "2026-11-25 01:50:00", "600"},  // stale: dead for 10 minutes
            {"instance-4", "0", std::nullopt, std::nullopt, std::nullopt}});
  c.answer("SELECT @@aurora_server_id", {"@@aurora_server_id"}, {{"instance-2"}});
  c.answer("SELECT @@innodb_read_only", {"@@innodb_read_only"}, {{"1"}});
  return c;
}

TEST(AuroraMysqlDialect, TopologyFromReplicaHostStatusWithoutStaleReaders) {
  auto d = make_dialect("aurora-mysql", "mysql");
  auto c = aurora_cluster();
  auto entries = d->query_topology(c);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].instance_id, "instance-1");
  EXPECT_TRUE(entries[0].is_writer);
  EXPECT_EQ(entries[1].instance_id, "instance-2");
  EXPECT_FALSE(entries[1].is_writer);
  EXPECT_DOUBLE_EQ(entries[1].replica_lag_ms, 12.5);
  ASSERT_TRUE(entries[1].last_update.has_value());
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*entries[1].last_update),
            1795572000);  // 2026-11-25 02:00 UTC
  EXPECT_EQ(entries[2].instance_id, "instance-4");
  EXPECT_FALSE(entries[2].last_update.has_value());
  EXPECT_TRUE(entries[0].endpoint.empty()) << "instances become hosts through the host pattern";
  // The query is the one Aurora documents: the writer row by its session id, the lag column.
  const std::string& sql = c.statements.back();
  EXPECT_NE(sql.find("session_id = 'MASTER_SESSION_ID'"), std::string::npos);
  EXPECT_NE(sql.find("replica_lag_in_milliseconds"), std::string::npos);
  EXPECT_NE(sql.find("last_update_timestamp"), std::string::npos);
}

TEST(AuroraMysqlDialect, AStaleWriterRowIsKept) {
  auto d = make_dialect("aurora-mysql", "mysql");
  FakeSqlConnection c;
  c.answer("information_schema.replica_host_status",
           {"server_id", "is_writer", "lag", "last_update", "age"},
           {{"instance-1", "1", "0", "2026-11-25 01:00:00", "3600"}});
  auto entries = d->query_topology(c);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_TRUE(entries[0].is_writer);
}

TEST(AuroraMysqlDialect, OfTwoWriterRowsTheLatestUpdatedWins) {
  auto d = make_dialect("aurora-mysql", "mysql");
  FakeSqlConnection c;
  c.answer("information_schema.replica_host_status",
           {"server_id", "is_writer", "lag", "last_update", "age"},
           {{"instance-1", "1", "0", "2026-11-25 02:00:00", "5"},
            {"instance-2", "1", "0", "2026-11-25 02:00:04", "1"}});
  auto entries = d->query_topology(c);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_FALSE(entries[0].is_writer);
  EXPECT_TRUE(entries[1].is_writer);
}

TEST(AuroraMysqlDialect, InstanceIdAndRoleFromAuroraVariables) {
  auto d = make_dialect("aurora-mysql", "mysql");
  auto c = aurora_cluster();
  EXPECT_EQ(d->instance_id(c), "instance-2");
  EXPECT_FALSE(d->is_writer(c));
  c.answer("SELECT @@innodb_read_only", {"@@innodb_read_only"}, {{"0"}});
  EXPECT_TRUE(d->is_writer(c));
}

FakeSqlConnection multi_az_instance() {
  FakeSqlConnection c;
  c.answer("FROM mysql.rds_topology", {"id", "endpoint", "port"},
           {{"1001", "db-1.abc.us-east-1.rds.amazonaws.com", "3306"},
            {"1002", "db-2.abc.us-east-1.rds.amazonaws.com", "3306"},
            {"1003", "db-3.abc.us-east-1.rds.amazonaws.com", "3307"}});
  c.answer("SELECT @@server_id", {"@@server_id"}, {{"1002"}});
  c.answer("SELECT @@read_only, @@innodb_read_only", {"@@read_only", "@@innodb_read_only"},
           {{"1", "0"}});
  return c;
}

TEST(MultiAzMysqlDialect, OnAMysqlReaderTheWriterIsSourceServerId) {
  auto d = make_dialect("multi-az-mysql", "mysql");
  auto c = multi_az_instance();
  // MySQL 8 column names and order (abridged): the id is not where MariaDB has it.
  c.answer("SHOW REPLICA STATUS",
           {"Replica_IO_State", "Source_Host", "Source_Port", "Source_Server_Id", "Source_UUID"},
           {{"Waiting for source to send event", "10.0.0.1", "3306", "1003", "x"}});
  auto entries = d->query_topology(c);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_FALSE(entries[0].is_writer);
  EXPECT_FALSE(entries[1].is_writer);
  EXPECT_TRUE(entries[2].is_writer);
  EXPECT_EQ(entries[2].endpoint, "db-3.abc.us-east-1.rds.amazonaws.com");
  EXPECT_EQ(entries[2].port, 3307);
  EXPECT_EQ(d->instance_id(c), "1002");
  EXPECT_FALSE(d->is_writer(c));
}

TEST(MultiAzMysqlDialect, OnAMariaDbReaderTheWriterIsMasterServerId) {
  auto d = make_dialect("multi-az-mysql", "mysql");
  auto c = multi_az_instance();
  c.answer("SHOW REPLICA STATUS",
           {"Slave_IO_State", "Master_Host", "Master_User", "Master_Port", "Last_IO_Error",
            "Master_Server_Id"},
           {{"Waiting for master to send event", "10.0.0.1", "awrap", "3306", "", "1001"}});
  auto entries = d->query_topology(c);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_TRUE(entries[0].is_writer);
  EXPECT_FALSE(entries[1].is_writer);
  EXPECT_FALSE(entries[2].is_writer);
}

TEST(MultiAzMysqlDialect, OnTheWriterNoReplicaRowMeansItself) {
  auto d = make_dialect("multi-az-mysql", "mysql");
  auto c = multi_az_instance();
  c.answer("SHOW REPLICA STATUS", {"Slave_IO_State", "Master_Server_Id"}, {});
  c.answer("SELECT @@read_only, @@innodb_read_only", {"@@read_only", "@@innodb_read_only"},
           {{"0", "0"}});
  auto entries = d->query_topology(c);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_TRUE(entries[1].is_writer);
  EXPECT_FALSE(entries[0].is_writer);
  EXPECT_TRUE(d->is_writer(c));
}

TEST(MultiAzMysqlDialect, NoWriterWhileAReplicaIsBetweenSources) {
  auto d = make_dialect("multi-az-mysql", "mysql");
  auto c = multi_az_instance();
  // Read-only and no replication configured (being repointed): nobody is known as the writer.
  c.answer("SHOW REPLICA STATUS", {"Slave_IO_State", "Master_Server_Id"}, {});
  for (const auto& e : d->query_topology(c)) EXPECT_FALSE(e.is_writer) << e.instance_id;
  // Repointed but not yet connected: Master_Server_Id is 0.
  c.answer("SHOW REPLICA STATUS", {"Slave_IO_State", "Master_Server_Id"},
           {{"Connecting to master", "0"}});
  for (const auto& e : d->query_topology(c)) EXPECT_FALSE(e.is_writer) << e.instance_id;
}

TEST(MultiAzMysqlDialect, OlderMysqlFallsBackToShowSlaveStatus) {
  auto d = make_dialect("multi-az-mysql", "mysql");
  auto c = multi_az_instance();
  c.fail("SHOW REPLICA STATUS", QueryError("You have an error in your SQL syntax", "42000", 1064));
  c.answer("SHOW SLAVE STATUS", {"Slave_IO_State", "Master_Server_Id"},
           {{"Waiting for master", "1001"}});
  auto entries = d->query_topology(c);
  EXPECT_TRUE(entries[0].is_writer);
}

}  // namespace
}  // namespace awrap::internal
