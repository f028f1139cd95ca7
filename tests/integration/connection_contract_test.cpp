// The public Connection API against the lab's single servers, one suite for both engines:
// PostgreSQL 15 (libpq) and MariaDB 10.11 (the mysql engine, Connector/C). What an engine does
// differently on purpose (MySQL keeps a transaction after a failed statement) is a field of
// EngineApi, not a second copy of the test. Tables are prefixed api_.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "awrap/awrap.hpp"
#include "support/eventually.hpp"
#include "support/log_capture.hpp"
#include "support/server_activity.hpp"
#include "support/test_env.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;

// What differs between the engines for the application: URLs and the SQL it writes.
struct EngineApi {
  const char* name;
  std::string (*conninfo)();
  // The test server's URL with another password (a login that must fail).
  std::string (*with_password)(const std::string& password);
  const char* unreachable;  // a connection string naming a host nobody listens on
  // "dead-host,test-server": the list form of the engine.
  std::string (*dead_host_first)();
  const char* live_host;
  const char* param1;  // the first positional parameter
  const char* param2;
  const char* sleep_30s;
  const char* session_id;
  const char* kill_session;   // with the session id appended
  const char* isolation;      // the session's isolation level inside a transaction, lower case
  const char* table_options;  // after CREATE TABLE (...)
  const char* list_ids;       // "1,4" from api_tx
  const char* duplicate_key;  // SQLSTATE of a unique violation
  bool failed_statement_aborts_transaction;  // PostgreSQL yes, MySQL keeps the transaction
};

const EngineApi kPostgres{
    "pg",
    testing::pg_conninfo,
    [](const std::string& password) {
      return "postgresql://awrap:" + password + "@127.0.0.40:5432/awrap";
    },
    "host=127.0.0.99 port=5432 user=awrap password=x dbname=awrap",
    [] {
      return std::string(
          "host=127.0.0.99,127.0.0.40 port=5432 user=awrap password=awrap-lab-password "
          "dbname=awrap");
    },
    "127.0.0.40",
    "$1",
    "$2",
    "SELECT pg_sleep(30)",
    "SELECT pg_backend_pid()",
    "SELECT pg_terminate_backend(",
    "SELECT lower(current_setting('transaction_isolation'))",
    "",
    "SELECT string_agg(id::text, ',' ORDER BY id) FROM api_tx",
    "23505",
    true};

// "host:port/database" of the MariaDB test server's URL.
std::string mariadb_server() {
  std::string url = testing::mariadb_conninfo();
  return url.substr(url.rfind('@') + 1);
}

const EngineApi kMariaDb{
    "mariadb",
    testing::mariadb_conninfo,
    [](const std::string& password) {
      return "mysql://awrap:" + password + "@" + mariadb_server();
    },
    "mysql://awrap:x@127.0.0.99:3306/awrap",
    [] { return "mysql://awrap:awrap-lab-password@127.0.0.99:3306," + mariadb_server(); },
    "127.0.0.41",
    "?",
    "?",
    "SELECT SLEEP(30)",
    "SELECT CONNECTION_ID()",
    "KILL ",
    "SELECT LOWER(REPLACE(@@SESSION.tx_isolation, '-', ' '))",
    " ENGINE=InnoDB",
    "SELECT GROUP_CONCAT(id ORDER BY id) FROM api_tx",
    "23000",
    false};

void PrintTo(const EngineApi* api, std::ostream* out) {
  *out << api->name;
}

class ConnectionContract : public ::testing::TestWithParam<const EngineApi*> {
 protected:
  const EngineApi& api() const { return *GetParam(); }
  bool postgres() const { return GetParam() == &kPostgres; }
  Connection open(const PropertyMap& props = {}) {
    return Connection::open(api().conninfo(), props);
  }
  void create_table(Connection& c, const std::string& name, const std::string& columns) {
    c.execute("DROP TABLE IF EXISTS " + name);
    c.execute("CREATE TABLE " + name + "(" + columns + ")" + api().table_options);
  }
  // A statement with the engine's placeholders: "$1"/"?" for each "{}".
  std::string sql(std::string text) const {
    int n = 0;
    for (auto at = text.find("{}"); at != std::string::npos; at = text.find("{}")) {
      std::string marker = postgres() ? "$" + std::to_string(++n) : "?";
      text.replace(at, 2, marker);
    }
    return text;
  }
};

TEST_P(ConnectionContract, TypesAndNulls) {
  auto c = open();
  EXPECT_EQ(c.engine(), postgres() ? "pg" : "mysql");
  Result r = c.execute(
      postgres() ? "SELECT 42::int AS i, 9007199254740993::bigint AS b, 1.5::float8 AS d, "
                   "true AS t, 'héllo'::text AS s, NULL::int AS n, 12.340::numeric AS num, "
                   "DATE '2024-02-29' AS day"
                 : "SELECT 42 AS i, 9007199254740993 AS b, CAST(1.5 AS DOUBLE) AS d, "
                   "TRUE AS t, 'héllo' AS s, NULL AS n, CAST(12.340 AS DECIMAL(10,3)) "
                   "AS num, DATE '2024-02-29' AS day");
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

TEST_P(ConnectionContract, ParametersIncludingNullsAndQuotes) {
  auto c = open();
  create_table(c, "api_params",
               postgres() ? "id int primary key, name text, score float8, ok boolean"
                          : "id INT PRIMARY KEY, name TEXT, score DOUBLE, ok BOOLEAN");
  Result ins = c.execute(sql("INSERT INTO api_params VALUES ({}, {}, {}, {}), ({}, {}, {}, {})"),
                         {1, "O'Brien; DROP TABLE x", 2.5, true, 2, nullptr, std::nullopt, false});
  EXPECT_EQ(ins.affected_rows(), 2);
  Result r = c.execute(sql("SELECT id, name, score, ok FROM api_params WHERE id IN ({}, {}) "
                           "ORDER BY id"),
                       {1, 2});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0][1].as<std::string>(), "O'Brien; DROP TABLE x");
  EXPECT_DOUBLE_EQ(r[0][2].as<double>(), 2.5);
  EXPECT_TRUE(r[0][3].as<bool>());
  EXPECT_TRUE(r[1][1].is_null());
  EXPECT_TRUE(r[1][2].is_null());
  EXPECT_FALSE(r[1][3].as<bool>());
  EXPECT_EQ(
      c.execute(sql("SELECT COUNT(*) FROM api_params WHERE name = {}"), {"O'Brien; DROP TABLE x"})
          .scalar<int64_t>(),
      1);
}

TEST_P(ConnectionContract, PreparedStatementsRunManyTimes) {
  auto c = open();
  auto stmt = c.prepare(sql(postgres() ? "SELECT {}::int * 2" : "SELECT {} * 2"));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(c.execute(stmt, {i}).scalar<int64_t>(), i * 2);
  c.deallocate(stmt);
  EXPECT_THROW(c.execute(stmt, {1}), QueryError);
}

TEST_P(ConnectionContract, TransactionsCommitRollbackAndGuard) {
  auto c = open();
  create_table(c, "api_tx", "id INT PRIMARY KEY");
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
  EXPECT_EQ(c.execute(api().list_ids).scalar<std::string>(), "1,4");
}

TEST_P(ConnectionContract, FailedStatementInTransactionIsReportedAndConnectionStaysUsable) {
  auto c = open();
  create_table(c, "api_dup", "id INT PRIMARY KEY");
  c.execute("INSERT INTO api_dup VALUES (1)");
  try {
    c.execute("INSERT INTO api_dup VALUES (1)");
    FAIL();
  } catch (const QueryError& e) {
    EXPECT_EQ(e.sqlstate(), api().duplicate_key);
    if (!postgres()) {
      EXPECT_EQ(e.native_code(), 1062);
    }
  }
  c.begin();
  c.execute("INSERT INTO api_dup VALUES (2)");
  EXPECT_THROW(c.execute("SELEC 1"), QueryError);
  if (api().failed_statement_aborts_transaction) {
    EXPECT_EQ(c.transaction_status(), TransactionStatus::kInFailedTransaction);
    EXPECT_THROW(c.commit(), QueryError) << "a COMMIT that rolled back must not look like success";
    EXPECT_EQ(c.execute("SELECT COUNT(*) FROM api_dup").scalar<int64_t>(), 1);
  } else {
    // MySQL keeps the transaction (and its work) after a failed statement.
    EXPECT_EQ(c.transaction_status(), TransactionStatus::kInTransaction);
    c.commit();
    EXPECT_EQ(c.execute("SELECT COUNT(*) FROM api_dup").scalar<int64_t>(), 2);
  }
}

TEST_P(ConnectionContract, AutocommitOffOpensATransactionUntilCommit) {
  auto c = open();
  create_table(c, "api_ac", "id INT");
  c.set_autocommit(false);
  EXPECT_FALSE(c.autocommit());
  c.execute("INSERT INTO api_ac VALUES (1)");
  EXPECT_EQ(c.transaction_status(), TransactionStatus::kInTransaction);
  auto other = open();
  EXPECT_EQ(other.execute("SELECT COUNT(*) FROM api_ac").scalar<int64_t>(), 0);
  c.commit();
  EXPECT_EQ(other.execute("SELECT COUNT(*) FROM api_ac").scalar<int64_t>(), 1);
  c.set_autocommit(true);
  c.execute("INSERT INTO api_ac VALUES (2)");
  EXPECT_EQ(other.execute("SELECT COUNT(*) FROM api_ac").scalar<int64_t>(), 2);
}

TEST_P(ConnectionContract, ReadOnlySessionsRefuseWrites) {
  auto c = open();
  create_table(c, "api_ro", "id INT");
  c.set_read_only(true);
  EXPECT_TRUE(c.read_only());
  EXPECT_THROW(c.execute("INSERT INTO api_ro VALUES (1)"), ReadOnlyViolationError);
  c.set_read_only(false);
  EXPECT_NO_THROW(c.execute("INSERT INTO api_ro VALUES (1)"));
}

TEST_P(ConnectionContract, IsolationLevelApplies) {
  auto c = open();
  c.set_isolation_level(IsolationLevel::kSerializable);
  c.begin();
  EXPECT_EQ(c.execute(api().isolation).scalar<std::string>(), "serializable");
  c.rollback();
  c.set_isolation_level(IsolationLevel::kDefault);
  auto fresh = open();
  EXPECT_EQ(c.execute(api().isolation).scalar<std::string>(),
            fresh.execute(api().isolation).scalar<std::string>())
      << "kDefault is the server's default again";
}

TEST_P(ConnectionContract, CancelFromAnotherThreadStopsALongStatement) {
  auto c = open();
  auto watcher = open();
  const auto session = c.execute(api().session_id).scalar<int64_t>();
  // The cancel is sent once the server runs the statement (a cancel before it would find nothing
  // to stop, and the test would wait the full 30 s).
  bool was_running = false;
  std::thread canceller([&] {
    const auto running = testing::statement_running_sql(postgres(), session, "sleep");
    was_running = testing::eventually(
        [&] { return watcher.execute(running).scalar<int64_t>() == 1; }, 5s, 10ms);
    c.cancel();
  });
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(c.execute(api().sleep_30s), QueryCancelledError);
  canceller.join();
  EXPECT_TRUE(was_running) << "the server never showed the statement running";
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_EQ(c.execute("SELECT 1").scalar<int64_t>(), 1) << "a cancel keeps the connection";
}

TEST_P(ConnectionContract, ServerKilledSessionIsConnectionLostNotSuccess) {
  auto c = open();
  auto killer = open();
  int64_t id = c.execute(api().session_id).scalar<int64_t>();
  create_table(c, "api_killed", "id INT");
  c.begin();
  c.execute("INSERT INTO api_killed VALUES (1)");
  killer.execute(std::string(api().kill_session) + std::to_string(id) + (postgres() ? ")" : ""));
  // Until the server has ended the session, a commit would still succeed.
  ASSERT_TRUE(testing::eventually(
      [&] {
        return killer.execute(testing::session_count_sql(postgres(), id)).scalar<int64_t>() == 0;
      },
      5s, 10ms))
      << "session " << id << " outlived its kill";
  EXPECT_THROW(c.commit(), ConnectionLostError);
  EXPECT_EQ(killer.execute("SELECT COUNT(*) FROM api_killed").scalar<int64_t>(), 0);
}

TEST_P(ConnectionContract, ConfigErrorsNamePropertyValueAndAcceptedValues) {
  auto expect_config_error = [&](const PropertyMap& props, std::string_view needle) {
    try {
      open(props);
      ADD_FAILURE() << "expected ConfigError for " << needle;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_config_error({{"wrapper_plugins", "nope"}}, "unknown plugin 'nope'");
  expect_config_error({{"connect_timeout", "soon"}}, "'connect_timeout'");
  expect_config_error({{"socket_timeout", "-3"}}, ">= 0");
  expect_config_error({{"auto_sort_wrapper_plugin_order", "2"}}, "true or false");
  expect_config_error({{"dev_inject_error_class", "fatal"}}, "one of network");
  expect_config_error({{"failover_mode", "anywhere"}}, "strict_writer");
  // A native option of the other engine, or a misspelt one, names itself.
  expect_config_error({{postgres() ? "sslmod" : "sslmode", "require"}},
                      postgres() ? "sslmod" : "sslmode");
  EXPECT_THROW(Connection::open(postgres() ? "postgresql://h:99999/db" : "mysql://h:99999/db"),
               ConfigError);
  EXPECT_THROW(Connection::open(postgres() ? "redis://h/db" : "mysqlx://h/db"), ConfigError);
}

TEST_P(ConnectionContract, LoginFailureIsAuthErrorAndNeverShowsThePassword) {
  testing::LogCapture log;
  const std::string secret = "Sup3r-Secret-Pa55";
  // With logging plugins only, and with the default cluster plugins.
  for (const PropertyMap& props :
       {PropertyMap{{"wrapper_plugins", "connect_time,execute_time"}}, PropertyMap{}}) {
    try {
      Connection::open(api().with_password(secret), props);
      ADD_FAILURE() << "expected AuthError";
    } catch (const AuthError& e) {
      EXPECT_EQ(e.sqlstate(), postgres() ? "28P01" : "28000");
      if (!postgres()) {
        EXPECT_EQ(e.native_code(), 1045);
      }
      EXPECT_EQ(std::string(e.what()).find(secret), std::string::npos) << e.what();
    }
  }
  for (const auto& line : log.messages()) EXPECT_EQ(line.find(secret), std::string::npos) << line;
}

TEST_P(ConnectionContract, UnreachableHostIsConnectErrorNotAuthError) {
  auto t0 = std::chrono::steady_clock::now();
  try {
    Connection::open(api().unreachable, {{"connect_timeout", "2"}});
    FAIL();
  } catch (const AuthError&) {
    FAIL() << "refused connection reported as a login failure";
  } catch (const ConnectError& e) {
    EXPECT_FALSE(e.host().empty());
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

TEST_P(ConnectionContract, MultiHostListSkipsADeadHost) {
  auto c = Connection::open(api().dead_host_first(), {{"connect_timeout", "2"}});
  EXPECT_EQ(c.current_host().host, api().live_host);
}

TEST_P(ConnectionContract, DevPluginInjectedNetworkErrorReachesTheApplication) {
  auto c = open({{"wrapper_plugins", "dev"}, {"dev_inject_error_on", "execute"}});
  EXPECT_THROW(c.execute("SELECT 1"), ConnectionLostError);
  EXPECT_EQ(c.execute("SELECT 1").scalar<int64_t>(), 1);
}

TEST_P(ConnectionContract, UsableFromAnotherThreadAfterMove) {
  auto c = open();
  std::thread t([conn = std::move(c)]() mutable {
    EXPECT_EQ(conn.execute("SELECT 7").scalar<int64_t>(), 7);
  });
  t.join();
}

INSTANTIATE_TEST_SUITE_P(Engines, ConnectionContract, ::testing::Values(&kPostgres, &kMariaDb),
                         [](const auto& engine) { return std::string(engine.param->name); });

}  // namespace
}  // namespace awrap::internal
