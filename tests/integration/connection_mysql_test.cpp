// The public API against a real MariaDB 10.11 server started by the lab (the MySQL engine of
// awrap: mysql:// and mariadb:// URLs, MariaDB Connector/C). Tables are prefixed my_conn_.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "awrap/awrap.hpp"
#include "dialect/dialect.hpp"
#include "driver/driver_factory.hpp"
#include "support/test_env.hpp"
#include "topology/topology_monitor.hpp"

namespace awrap {
namespace {

using namespace std::chrono_literals;
using testing::mariadb_conninfo;

// "host:port/database" of the test server's URL.
std::string server_part() {
  std::string url = mariadb_conninfo();
  return url.substr(url.rfind('@') + 1);
}

class ConnectionMysql : public ::testing::Test {
 protected:
  Connection open(const PropertyMap& props = {}) {
    return Connection::open(mariadb_conninfo(), props);
  }
};

TEST_F(ConnectionMysql, TypesAndNulls) {
  auto c = open();
  EXPECT_EQ(c.engine(), "mysql");
  Result r = c.execute(
      "SELECT 42 AS i, 9007199254740993 AS b, CAST(1.5 AS DOUBLE) AS d, TRUE AS t, 'héllo' AS s, "
      "NULL AS n, CAST(12.340 AS DECIMAL(10,3)) AS num, DATE '2024-02-29' AS day, "
      "TIMESTAMP '2024-02-29 13:14:15.250' AS at, X'00FF' AS bytes");
  ASSERT_EQ(r.size(), 1u);
  Row row = r[0];
  EXPECT_EQ(row["i"].as<int32_t>(), 42);
  EXPECT_EQ(row["b"].as<int64_t>(), 9007199254740993LL);
  EXPECT_DOUBLE_EQ(row["d"].as<double>(), 1.5);
  EXPECT_TRUE(row["t"].as<bool>());
  EXPECT_EQ(row["s"].as<std::string>(), "héllo");
  EXPECT_TRUE(row["n"].is_null());
  EXPECT_EQ(row["n"].as<std::optional<int64_t>>(), std::nullopt);
  EXPECT_EQ(row["num"].as<std::string>(), "12.340");
  EXPECT_EQ(row["day"].as<std::string>(), "2024-02-29");
  EXPECT_EQ(row["at"].as<std::string>(), "2024-02-29 13:14:15.250");
  EXPECT_EQ(row["bytes"].as<std::string>(), std::string("\0\xff", 2));
  EXPECT_EQ(r.column_name(4), "s");
}

TEST_F(ConnectionMysql, ColumnTypesAreTheFieldTypesOnBothProtocols) {
  auto c = open();
  // Text protocol (no parameters) and binary protocol (a parameter) report the same types.
  for (Result r :
       {c.execute("SELECT 1, 'x', CAST(1.5 AS DECIMAL(10,2)), CAST('b' AS BINARY)"),
        c.execute("SELECT 1, 'x', CAST(1.5 AS DECIMAL(10,2)), CAST(? AS BINARY)", {"b"})}) {
    ASSERT_EQ(r.column_count(), 4u);
    EXPECT_TRUE(r.column_type(0).known);
    const auto integer = r.column_type(0).native_type;
    EXPECT_TRUE(integer == 3u || integer == 8u) << integer;  // MYSQL_TYPE_LONG / LONGLONG
    EXPECT_FALSE(r.column_type(1).binary);
    EXPECT_EQ(r.column_type(2).native_type, 246u);  // MYSQL_TYPE_NEWDECIMAL
    EXPECT_TRUE(r.column_type(3).binary);
  }
}

TEST_F(ConnectionMysql, ParametersIncludingNullsAndQuotes) {
  auto c = open();
  c.execute("DROP TABLE IF EXISTS my_conn_params");
  c.execute("CREATE TABLE my_conn_params(id INT PRIMARY KEY, name TEXT, score DOUBLE, ok BOOLEAN)");
  Result ins = c.execute("INSERT INTO my_conn_params VALUES (?, ?, ?, ?), (?, ?, ?, ?)",
                         {1, "O'Brien; DROP TABLE x", 2.5, true, 2, nullptr, std::nullopt, false});
  EXPECT_EQ(ins.affected_rows(), 2);
  Result r = c.execute(
      "SELECT id, name, score, ok FROM my_conn_params WHERE id IN (?, ?) ORDER BY id", {1, 2});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0][1].as<std::string>(), "O'Brien; DROP TABLE x");
  EXPECT_DOUBLE_EQ(r[0][2].as<double>(), 2.5);
  EXPECT_TRUE(r[0][3].as<bool>());
  EXPECT_TRUE(r[1][1].is_null());
  EXPECT_TRUE(r[1][2].is_null());
  EXPECT_FALSE(r[1][3].as<bool>());
  EXPECT_EQ(
      c.execute("SELECT COUNT(*) FROM my_conn_params WHERE name = ?", {"O'Brien; DROP TABLE x"})
          .scalar<int64_t>(),
      1);
}

TEST_F(ConnectionMysql, PreparedStatementsRunManyTimes) {
  auto c = open();
  auto stmt = c.prepare("SELECT ? * 2");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(c.execute(stmt, {i}).scalar<int64_t>(), i * 2);
  c.deallocate(stmt);
  EXPECT_THROW(c.execute(stmt, {1}), QueryError);
}

TEST_F(ConnectionMysql, TransactionsCommitRollbackAndGuard) {
  auto c = open();
  c.execute("DROP TABLE IF EXISTS my_conn_tx");
  c.execute("CREATE TABLE my_conn_tx(id INT PRIMARY KEY) ENGINE=InnoDB");
  c.begin();
  EXPECT_EQ(c.transaction_status(), TransactionStatus::kInTransaction);
  c.execute("INSERT INTO my_conn_tx VALUES (1)");
  c.commit();
  EXPECT_EQ(c.transaction_status(), TransactionStatus::kIdle);
  c.begin();
  c.execute("INSERT INTO my_conn_tx VALUES (2)");
  c.rollback();
  {
    Transaction tx(c);
    c.execute("INSERT INTO my_conn_tx VALUES (3)");
  }  // rolled back
  {
    Transaction tx(c);
    c.execute("INSERT INTO my_conn_tx VALUES (4)");
    tx.commit();
  }
  EXPECT_EQ(c.execute("SELECT GROUP_CONCAT(id ORDER BY id) FROM my_conn_tx").scalar<std::string>(),
            "1,4");
}

TEST_F(ConnectionMysql, FailedStatementInTransactionIsReportedAndConnectionStaysUsable) {
  auto c = open();
  c.execute("DROP TABLE IF EXISTS my_conn_dup");
  c.execute("CREATE TABLE my_conn_dup(id INT PRIMARY KEY) ENGINE=InnoDB");
  c.execute("INSERT INTO my_conn_dup VALUES (1)");
  try {
    c.execute("INSERT INTO my_conn_dup VALUES (1)");
    FAIL();
  } catch (const QueryError& e) {
    EXPECT_EQ(e.sqlstate(), "23000");
    EXPECT_EQ(e.native_code(), 1062);
  }
  c.begin();
  c.execute("INSERT INTO my_conn_dup VALUES (2)");
  EXPECT_THROW(c.execute("SELEC 1"), QueryError);
  // MySQL keeps the transaction (and its work) after a failed statement.
  EXPECT_EQ(c.transaction_status(), TransactionStatus::kInTransaction);
  c.commit();
  EXPECT_EQ(c.execute("SELECT COUNT(*) FROM my_conn_dup").scalar<int64_t>(), 2);
}

TEST_F(ConnectionMysql, AutocommitOffOpensATransactionUntilCommit) {
  auto c = open();
  c.execute("DROP TABLE IF EXISTS my_conn_ac");
  c.execute("CREATE TABLE my_conn_ac(id INT) ENGINE=InnoDB");
  c.set_autocommit(false);
  EXPECT_FALSE(c.autocommit());
  c.execute("INSERT INTO my_conn_ac VALUES (1)");
  EXPECT_EQ(c.transaction_status(), TransactionStatus::kInTransaction);
  auto other = open();
  EXPECT_EQ(other.execute("SELECT COUNT(*) FROM my_conn_ac").scalar<int64_t>(), 0);
  c.commit();
  EXPECT_EQ(other.execute("SELECT COUNT(*) FROM my_conn_ac").scalar<int64_t>(), 1);
  c.set_autocommit(true);
  c.execute("INSERT INTO my_conn_ac VALUES (2)");
  EXPECT_EQ(other.execute("SELECT COUNT(*) FROM my_conn_ac").scalar<int64_t>(), 2);
}

TEST_F(ConnectionMysql, ReadOnlySessionsRefuseWrites) {
  auto c = open();
  c.execute("CREATE TABLE IF NOT EXISTS my_conn_ro(id INT) ENGINE=InnoDB");
  c.set_read_only(true);
  EXPECT_TRUE(c.read_only());
  EXPECT_THROW(c.execute("INSERT INTO my_conn_ro VALUES (1)"), ReadOnlyViolationError);
  c.set_read_only(false);
  EXPECT_NO_THROW(c.execute("INSERT INTO my_conn_ro VALUES (1)"));
}

TEST_F(ConnectionMysql, IsolationLevelApplies) {
  auto c = open();
  c.set_isolation_level(IsolationLevel::kSerializable);
  c.begin();
  EXPECT_EQ(c.execute("SELECT @@SESSION.tx_isolation").scalar<std::string>(), "SERIALIZABLE");
  c.rollback();
  c.set_isolation_level(IsolationLevel::kDefault);
  EXPECT_EQ(c.execute("SELECT @@SESSION.tx_isolation = @@GLOBAL.tx_isolation").scalar<int64_t>(),
            1);
}

TEST_F(ConnectionMysql, CancelFromAnotherThreadStopsALongStatement) {
  auto c = open();
  std::atomic<bool> started{false};
  std::thread canceller([&] {
    while (!started) std::this_thread::sleep_for(1ms);
    std::this_thread::sleep_for(200ms);
    c.cancel();
  });
  auto t0 = std::chrono::steady_clock::now();
  started = true;
  EXPECT_THROW(c.execute("SELECT SLEEP(30)"), QueryCancelledError);
  canceller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_EQ(c.execute("SELECT 1").scalar<int64_t>(), 1) << "a cancel keeps the connection";
}

TEST_F(ConnectionMysql, ServerKilledSessionIsConnectionLostNotSuccess) {
  auto c = open();
  auto killer = open();
  int64_t id = c.execute("SELECT CONNECTION_ID()").scalar<int64_t>();
  c.execute("CREATE TABLE IF NOT EXISTS my_conn_killed(id INT) ENGINE=InnoDB");
  c.begin();
  c.execute("INSERT INTO my_conn_killed VALUES (1)");
  killer.execute("KILL " + std::to_string(id));
  std::this_thread::sleep_for(100ms);
  EXPECT_THROW(c.commit(), ConnectionLostError);
}

TEST_F(ConnectionMysql, NativeOptionsPassThrough) {
  // Connector/C options by their awrap names, from the URL and from properties.
  auto c = Connection::open(mariadb_conninfo() + "?charset=latin1&compress=true",
                            {{"init_command", "SET @awrap_marker = 42"}});
  EXPECT_EQ(c.execute("SELECT @@character_set_client").scalar<std::string>(), "latin1");
  EXPECT_EQ(c.execute("SELECT @awrap_marker").scalar<int64_t>(), 42);
  auto m = Connection::open("mariadb://" +
                            mariadb_conninfo().substr(mariadb_conninfo().find("://") + 3));
  EXPECT_EQ(m.engine(), "mysql");
  EXPECT_EQ(m.execute("SELECT 1").scalar<int64_t>(), 1);
}

TEST_F(ConnectionMysql, ConfigErrorsNamePropertyValueAndAcceptedValues) {
  auto expect_config_error = [&](const std::string& url, const PropertyMap& props,
                                 std::string_view needle) {
    try {
      Connection::open(url, props);
      ADD_FAILURE() << "expected ConfigError for " << needle;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  std::string url = mariadb_conninfo();
  expect_config_error(url, {{"wrapper_plugins", "nope"}}, "unknown plugin 'nope'");
  expect_config_error(url, {{"connect_timeout", "soon"}}, "'connect_timeout'");
  expect_config_error(url, {{"socket_timeout", "-3"}}, ">= 0");
  expect_config_error(url, {{"wrapper_dialect", "aurora-pg"}}, "multi-az-mysql");
  expect_config_error(url, {{"failover_mode", "anywhere"}}, "strict_writer");
  // Native options: a libpq name, a misspelling, a bad enumeration value, a bad boolean.
  expect_config_error(url, {{"sslmode", "require"}}, "sslmode");
  expect_config_error(url + "?ssl_mod=REQUIRED", {}, "ssl_mod");
  expect_config_error(url + "?ssl_mode=sometimes", {}, "VERIFY_IDENTITY");
  expect_config_error(url, {{"compress", "perhaps"}}, "on/off");
  EXPECT_THROW(Connection::open("mysql://h:99999/db"), ConfigError);
  EXPECT_THROW(Connection::open("mysqlx://h/db"), ConfigError);
}

TEST_F(ConnectionMysql, LoginFailureIsAuthErrorAndNeverShowsThePassword) {
  std::vector<std::string> lines;
  std::mutex m;
  set_log_sink([&](LogLevel, std::string_view msg) {
    std::lock_guard lock(m);
    lines.emplace_back(msg);
  });
  set_log_level(LogLevel::kTrace);
  const std::string secret = "Sup3r-Secret-Pa55";
  try {
    Connection::open("mysql://awrap:" + secret + "@" + server_part(),
                     {{"wrapper_plugins", "connect_time,execute_time"}});
    ADD_FAILURE() << "expected AuthError";
  } catch (const AuthError& e) {
    EXPECT_EQ(e.native_code(), 1045);
    EXPECT_EQ(e.sqlstate(), "28000");
    EXPECT_EQ(std::string(e.what()).find(secret), std::string::npos) << e.what();
  }
  // With the default cluster plugins too.
  try {
    Connection::open("mysql://awrap:" + secret + "@" + server_part());
    ADD_FAILURE() << "expected AuthError";
  } catch (const AuthError& e) {
    EXPECT_EQ(std::string(e.what()).find(secret), std::string::npos) << e.what();
  }
  set_log_level(LogLevel::kWarning);
  set_log_sink(nullptr);
  for (const auto& l : lines) EXPECT_EQ(l.find(secret), std::string::npos) << l;
}

TEST_F(ConnectionMysql, UnreachableHostIsConnectErrorNotAuthError) {
  auto t0 = std::chrono::steady_clock::now();
  try {
    Connection::open("mysql://awrap:x@127.0.0.99:3306/awrap", {{"connect_timeout", "2"}});
    FAIL();
  } catch (const AuthError&) {
    FAIL() << "refused connection reported as a login failure";
  } catch (const ConnectError& e) {
    EXPECT_FALSE(e.host().empty());
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

TEST_F(ConnectionMysql, MultiHostListSkipsADeadHost) {
  std::string server = server_part();
  auto c = Connection::open("mysql://awrap:awrap-lab-password@127.0.0.99:3306," + server,
                            {{"connect_timeout", "2"}});
  EXPECT_EQ(c.current_host().host, server.substr(0, server.find(':')));
}

TEST_F(ConnectionMysql, PlainServerIsDetectedAsMariaDbAndIsAWriter) {
  std::string server = server_part();
  ConnectSpec spec;
  spec.host.host = server.substr(0, server.find(':'));
  spec.host.port = std::stoi(server.substr(server.find(':') + 1));
  spec.user = "awrap";
  spec.password = "awrap-lab-password";
  spec.database = "awrap";
  spec.connect_timeout = 2s;
  auto connection = make_driver("mysql")->connect(spec);
  auto dialect = detect_dialect(*connection, "mysql");
  EXPECT_EQ(dialect->code(), "mariadb");
  EXPECT_TRUE(dialect->is_writer(*connection));
  EXPECT_FALSE(dialect->reports_topology());
  // The single server needs no topology monitor: the default cluster plugins step aside.
  auto c = open();
  EXPECT_EQ(c.execute("SELECT 1").scalar<int64_t>(), 1);
  EXPECT_EQ(live_topology_monitors(), 0);
}

TEST_F(ConnectionMysql, DevPluginInjectedNetworkErrorReachesTheApplication) {
  auto c = open({{"wrapper_plugins", "dev"}, {"dev_inject_error_on", "execute"}});
  EXPECT_THROW(c.execute("SELECT 1"), ConnectionLostError);
  EXPECT_EQ(c.execute("SELECT 1").scalar<int64_t>(), 1);
}

TEST_F(ConnectionMysql, UsableFromAnotherThreadAfterMove) {
  auto c = open();
  std::thread t([conn = std::move(c)]() mutable {
    EXPECT_EQ(conn.execute("SELECT 7").scalar<int64_t>(), 7);
  });
  t.join();
}

}  // namespace
}  // namespace awrap
