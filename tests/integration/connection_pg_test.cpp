// The public API against a real PostgreSQL 15 server started by the lab.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "awrap/awrap.hpp"
#include "support/test_env.hpp"

namespace awrap {
namespace {

using namespace std::chrono_literals;
using testing::pg_conninfo;

class ConnectionPg : public ::testing::Test {
 protected:
  Connection open(const PropertyMap& props = {}) { return Connection::open(pg_conninfo(), props); }
};

TEST_F(ConnectionPg, TypesAndNulls) {
  auto c = open();
  Result r = c.execute(
      "SELECT 42::int AS i, 9007199254740993::bigint AS b, 1.5::float8 AS d, true AS t, "
      "'héllo'::text AS s, "
      "NULL::int AS n, 12.340::numeric AS num, DATE '2024-02-29' AS day");
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
  EXPECT_EQ(r.column_name(4), "s");
}

TEST_F(ConnectionPg, ColumnTypesAreTheServersOids) {
  auto c = open();
  Result r = c.execute("SELECT 1::int4, 'x'::text, 1.5::numeric(10,2), $1::bytea", {"\\x00"});
  ASSERT_EQ(r.column_count(), 4u);
  EXPECT_TRUE(r.column_type(0).known);
  EXPECT_EQ(r.column_type(0).native_type, 23u);    // int4
  EXPECT_EQ(r.column_type(1).native_type, 25u);    // text
  EXPECT_EQ(r.column_type(2).native_type, 1700u);  // numeric
  EXPECT_EQ(r.column_type(2).modifier, ((10 << 16) | 2) + 4);
  EXPECT_EQ(r.column_type(3).native_type, 17u);  // bytea
  EXPECT_THROW(r.column_type(4), std::out_of_range);
  EXPECT_EQ(c.execute("SET search_path = public").column_count(), 0u);
  EXPECT_FALSE(Result().column_type(0).known);  // no data: nothing known
}

TEST_F(ConnectionPg, ParametersIncludingNullsAndQuotes) {
  auto c = open();
  c.execute("DROP TABLE IF EXISTS api_params");
  c.execute("CREATE TABLE api_params(id int primary key, name text, score float8, ok boolean)");
  Result ins = c.execute("INSERT INTO api_params VALUES ($1, $2, $3, $4), ($5, $6, $7, $8)",
                         {1, "O'Brien; DROP TABLE x", 2.5, true, 2, nullptr, std::nullopt, false});
  EXPECT_EQ(ins.affected_rows(), 2);
  Result r =
      c.execute("SELECT id, name, score, ok FROM api_params WHERE id = ANY($1::int[]) ORDER BY id",
                {"{1,2}"});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0][1].as<std::string>(), "O'Brien; DROP TABLE x");
  EXPECT_TRUE(r[1][1].is_null());
  EXPECT_TRUE(r[1][2].is_null());
  EXPECT_FALSE(r[1][3].as<bool>());
}

TEST_F(ConnectionPg, PreparedStatementsRunManyTimes) {
  auto c = open();
  auto stmt = c.prepare("SELECT $1::int * 2");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(c.execute(stmt, {i}).scalar<int64_t>(), i * 2);
  c.deallocate(stmt);
  EXPECT_THROW(c.execute(stmt, {1}), QueryError);
}

TEST_F(ConnectionPg, TransactionsCommitRollbackAndGuard) {
  auto c = open();
  c.execute("DROP TABLE IF EXISTS api_tx");
  c.execute("CREATE TABLE api_tx(id int primary key)");
  c.begin();
  EXPECT_EQ(c.transaction_status(), TransactionStatus::kInTransaction);
  c.execute("INSERT INTO api_tx VALUES (1)");
  c.commit();
  EXPECT_EQ(c.transaction_status(), TransactionStatus::kIdle);
  c.begin();
  c.execute("INSERT INTO api_tx VALUES (2)");
  c.rollback();
  {
    Transaction tx(c);
    c.execute("INSERT INTO api_tx VALUES (3)");
  }  // rolled back
  {
    Transaction tx(c);
    c.execute("INSERT INTO api_tx VALUES (4)");
    tx.commit();
  }
  EXPECT_EQ(
      c.execute("SELECT string_agg(id::text, ',' ORDER BY id) FROM api_tx").scalar<std::string>(),
      "1,4");
}

TEST_F(ConnectionPg, FailedStatementInTransactionIsReportedAndConnectionStaysUsable) {
  auto c = open();
  c.execute("DROP TABLE IF EXISTS api_dup");
  c.execute("CREATE TABLE api_dup(id int primary key)");
  c.execute("INSERT INTO api_dup VALUES (1)");
  try {
    c.execute("INSERT INTO api_dup VALUES (1)");
    FAIL();
  } catch (const QueryError& e) {
    EXPECT_EQ(e.sqlstate(), "23505");
  }
  c.begin();
  EXPECT_THROW(c.execute("SELEC 1"), QueryError);
  EXPECT_EQ(c.transaction_status(), TransactionStatus::kInFailedTransaction);
  EXPECT_THROW(c.commit(), QueryError) << "a COMMIT that rolled back must not look like success";
  EXPECT_EQ(c.execute("SELECT 1").scalar<int64_t>(), 1);
}

TEST_F(ConnectionPg, AutocommitOffOpensATransactionUntilCommit) {
  auto c = open();
  c.execute("DROP TABLE IF EXISTS api_ac");
  c.execute("CREATE TABLE api_ac(id int)");
  c.set_autocommit(false);
  EXPECT_FALSE(c.autocommit());
  c.execute("INSERT INTO api_ac VALUES (1)");
  EXPECT_EQ(c.transaction_status(), TransactionStatus::kInTransaction);
  auto other = open();
  EXPECT_EQ(other.execute("SELECT count(*) FROM api_ac").scalar<int64_t>(), 0);
  c.commit();
  EXPECT_EQ(other.execute("SELECT count(*) FROM api_ac").scalar<int64_t>(), 1);
  c.set_autocommit(true);
  c.execute("INSERT INTO api_ac VALUES (2)");
  EXPECT_EQ(other.execute("SELECT count(*) FROM api_ac").scalar<int64_t>(), 2);
}

TEST_F(ConnectionPg, ReadOnlySessionsRefuseWrites) {
  auto c = open();
  c.execute("CREATE TABLE IF NOT EXISTS api_ro(id int)");
  c.set_read_only(true);
  EXPECT_TRUE(c.read_only());
  EXPECT_THROW(c.execute("INSERT INTO api_ro VALUES (1)"), ReadOnlyViolationError);
  c.set_read_only(false);
  EXPECT_NO_THROW(c.execute("INSERT INTO api_ro VALUES (1)"));
}

TEST_F(ConnectionPg, IsolationLevelApplies) {
  auto c = open();
  c.set_isolation_level(IsolationLevel::kSerializable);
  c.begin();
  EXPECT_EQ(c.execute("SHOW transaction_isolation").scalar<std::string>(), "serializable");
  c.rollback();
}

TEST_F(ConnectionPg, CancelFromAnotherThreadStopsALongStatement) {
  auto c = open();
  std::atomic<bool> started{false};
  std::thread canceller([&] {
    while (!started) std::this_thread::sleep_for(1ms);
    std::this_thread::sleep_for(200ms);
    c.cancel();
  });
  auto t0 = std::chrono::steady_clock::now();
  started = true;
  EXPECT_THROW(c.execute("SELECT pg_sleep(30)"), QueryCancelledError);
  canceller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_EQ(c.execute("SELECT 1").scalar<int64_t>(), 1) << "a cancel keeps the connection";
}

TEST_F(ConnectionPg, ServerKilledSessionIsConnectionLostNotSuccess) {
  auto c = open();
  auto killer = open();
  int64_t pid = c.execute("SELECT pg_backend_pid()").scalar<int64_t>();
  c.begin();
  c.execute("CREATE TEMP TABLE lost_tx(id int)");
  killer.execute("SELECT pg_terminate_backend($1)", {pid});
  std::this_thread::sleep_for(100ms);
  EXPECT_THROW(c.commit(), ConnectionLostError);
}

TEST_F(ConnectionPg, ConfigErrorsNamePropertyValueAndAcceptedValues) {
  auto expect_config_error = [&](const PropertyMap& props, std::string_view needle) {
    try {
      open(props);
      ADD_FAILURE() << "expected ConfigError";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_config_error({{"wrapper_plugins", "nope"}}, "unknown plugin 'nope'");
  expect_config_error({{"connect_timeout", "soon"}}, "'connect_timeout'");
  expect_config_error({{"socket_timeout", "-3"}}, ">= 0");
  expect_config_error({{"auto_sort_wrapper_plugin_order", "2"}}, "true or false");
  expect_config_error({{"dev_inject_error_class", "fatal"}}, "one of network");
  expect_config_error({{"sslmod", "require"}}, "sslmod");
  EXPECT_THROW(Connection::open("postgresql://h:99999/db"), ConfigError);
  EXPECT_THROW(Connection::open("redis://h/db"), ConfigError);
}

TEST_F(ConnectionPg, LoginFailureIsAuthErrorAndNeverShowsThePassword) {
  std::vector<std::string> lines;
  std::mutex m;
  set_log_sink([&](LogLevel, std::string_view msg) {
    std::lock_guard lock(m);
    lines.emplace_back(msg);
  });
  set_log_level(LogLevel::kTrace);
  const std::string secret = "Sup3r-Secret-Pa55";
  try {
    Connection::open("postgresql://awrap:" + secret + "@127.0.0.40:5432/awrap",
                     {{"wrapper_plugins", "connect_time,execute_time"}});
    ADD_FAILURE() << "expected AuthError";
  } catch (const AuthError& e) {
    EXPECT_EQ(e.sqlstate(), "28P01");
    EXPECT_EQ(std::string(e.what()).find(secret), std::string::npos) << e.what();
  }
  set_log_level(LogLevel::kWarning);
  set_log_sink(nullptr);
  for (const auto& l : lines) EXPECT_EQ(l.find(secret), std::string::npos) << l;
}

TEST_F(ConnectionPg, UnreachableHostIsConnectErrorNotAuthError) {
  auto t0 = std::chrono::steady_clock::now();
  try {
    Connection::open("host=127.0.0.99 port=5432 user=awrap password=x dbname=awrap",
                     {{"connect_timeout", "2"}});
    FAIL();
  } catch (const AuthError&) {
    FAIL() << "refused connection reported as a login failure";
  } catch (const ConnectError& e) {
    EXPECT_FALSE(e.host().empty());
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

TEST_F(ConnectionPg, MultiHostListSkipsADeadHost) {
  auto c = Connection::open(
      "host=127.0.0.99,127.0.0.40 port=5432 user=awrap password=awrap-lab-password dbname=awrap",
      {{"connect_timeout", "2"}});
  EXPECT_EQ(c.current_host().host, "127.0.0.40");
}

TEST_F(ConnectionPg, DevPluginInjectedNetworkErrorReachesTheApplication) {
  auto c = open({{"wrapper_plugins", "dev"}, {"dev_inject_error_on", "execute"}});
  EXPECT_THROW(c.execute("SELECT 1"), ConnectionLostError);
  EXPECT_EQ(c.execute("SELECT 1").scalar<int64_t>(), 1);
}

TEST_F(ConnectionPg, UsableFromAnotherThreadAfterMove) {
  auto c = open();
  std::thread t([conn = std::move(c)]() mutable {
    EXPECT_EQ(conn.execute("SELECT 7").scalar<int64_t>(), 7);
  });
  t.join();
}

}  // namespace
}  // namespace awrap
