// The TargetDriver seam's contract, one suite for both drivers: libpq against PostgreSQL 15 and
// Connector/C against MariaDB 10.11 (the lab's single servers). Every driver awrap has or gets
// must pass it: what the plugins above rely on (error classes, transaction state, cancel, abort,
// deadlines, no secret in a message) is written here once. What a driver does beyond the seam is
// in pg_driver_test.cpp and mysql_driver_test.cpp.
#include <gtest/gtest.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <ostream>
#include <string>
#include <thread>

#include "awrap/errors.hpp"
#include "awrap/ext/target_driver.hpp"
#include "awrap/result.hpp"
#include "support/eventually.hpp"
#include "support/server_activity.hpp"
#include "support/silent_listener.hpp"
#include "support/test_env.hpp"

namespace awrap::internal {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// What differs between the engines at the seam: the SQL and the codes the server chooses.
struct DriverEngine {
  const char* name;
  const char* driver;  // make_builtin_driver() name
  int default_port;
  std::string (*conninfo)();
  const char* placeholder;  // "?", or "$" for numbered parameters
  const char* session_id;
  const char* kill_prefix;  // + session id + kill_suffix ends another session
  const char* kill_suffix;
  const char* session_alive;  // + session id: 1 while the session exists
  const char* sleep_30s;
  const char* sleep_param;  // sleeps for the first parameter's seconds
  const char* thousand_rows;
  const char* isolation;          // the session's isolation, lower case with spaces
  const char* default_isolation;  // the server's default, the same form
  const char* table_options;
  const char* syntax_error_state;
  const char* duplicate_key_state;
  const char* bad_login_state;
  const char* read_only_refusal;  // SQLSTATE of a write in a read-only transaction
  bool failed_statement_aborts_transaction;
  const char* socket_timeout_words;  // in the ConnectionLostError of a socket timeout
  const char* connect_timeout_words;
};

const DriverEngine kPostgres{"pg",
                             "pg",
                             5432,
                             testing::pg_conninfo,
                             "$",
                             "SELECT pg_backend_pid()",
                             "SELECT pg_terminate_backend(",
                             ")",
                             "SELECT count(*) FROM pg_stat_activity WHERE pid = ",
                             "SELECT pg_sleep(30)",
                             "SELECT pg_sleep($1::float8)",
                             "SELECT g FROM generate_series(1, 1000) AS g",
                             "SELECT current_setting('transaction_isolation')",
                             "SELECT current_setting('default_transaction_isolation')",
                             "",
                             "42601",
                             "23505",
                             "28P01",
                             "25006",
                             true,
                             "timed out",
                             "timed out"};

const DriverEngine kMariaDb{"mariadb",
                            "mysql",
                            3306,
                            testing::mariadb_conninfo,
                            "?",
                            "SELECT CONNECTION_ID()",
                            "KILL ",
                            "",
                            "SELECT COUNT(*) FROM information_schema.processlist WHERE id = ",
                            "SELECT SLEEP(30)",
                            "SELECT SLEEP(?)",
                            "SELECT seq FROM seq_1_to_1000",
                            "SELECT LOWER(REPLACE(@@SESSION.tx_isolation, '-', ' '))",
                            "SELECT LOWER(REPLACE(@@GLOBAL.tx_isolation, '-', ' '))",
                            " ENGINE=InnoDB",
                            "42000",
                            "23000",
                            "28000",
                            "25006",
                            false,
                            "socket_timeout",
                            "connect_timeout"};

void PrintTo(const DriverEngine* engine, std::ostream* out) {
  *out << engine->name;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class DriverContract : public ::testing::TestWithParam<const DriverEngine*> {
 protected:
  void SetUp() override {
    spec_ = testing::connect_spec(engine().conninfo());
    driver_ = make_builtin_driver(engine().driver);
  }

  const DriverEngine& engine() const { return *GetParam(); }
  std::unique_ptr<TargetConnection> connect() { return driver_->connect(spec_); }
  std::unique_ptr<TargetConnection> connect(const ConnectSpec& spec) {
    return driver_->connect(spec);
  }
  static Result run(TargetConnection& conn, std::string_view sql, const Params& params = {}) {
    return Result(conn.execute(sql, params));
  }
  // "INSERT INTO t VALUES (?, ?)" in the engine's placeholder form ($1, $2 on PostgreSQL).
  std::string with_placeholder(std::string sql) const {
    if (engine().placeholder == std::string_view("?")) return sql;
    int n = 0;
    for (auto at = sql.find('?'); at != std::string::npos; at = sql.find('?'))
      sql.replace(at, 1, "$" + std::to_string(++n));
    return sql;
  }
  // A table of this test's own (the single servers are shared by every integration suite).
  std::string fresh_table(TargetConnection& conn, const std::string& columns) {
    std::string name =
        std::string("driver_") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    name = name.substr(0, name.find('/'));
    run(conn, "DROP TABLE IF EXISTS " + name);
    run(conn, "CREATE TABLE " + name + " (" + columns + ")" + engine().table_options);
    return name;
  }
  // Ends `victim`'s session from `killer` and waits until the server has let it go.
  void kill_session(TargetConnection& killer, std::int64_t victim) {
    const std::string id = std::to_string(victim);
    run(killer, engine().kill_prefix + id + engine().kill_suffix);
    EXPECT_TRUE(testing::eventually(
        [&] { return run(killer, engine().session_alive + id).scalar<std::int64_t>() == 0; },
        std::chrono::seconds(5), milliseconds(10)))
        << "session " << victim << " outlived its kill";
  }
  // Waits (5 s at most) until the server shows `session` running its sleep, asking through
  // `watcher`: a cancel, abort or kill sent before would not strike "during a statement".
  bool sleep_running(TargetConnection& watcher, std::int64_t session) {
    const std::string sql =
        testing::statement_running_sql(engine().driver == std::string_view("pg"), session, "sleep");
    return testing::eventually([&] { return run(watcher, sql).scalar<std::int64_t>() == 1; },
                               std::chrono::seconds(5), milliseconds(10));
  }

  ConnectSpec spec_;
  std::shared_ptr<TargetDriver> driver_;
};

TEST_P(DriverContract, IdentityAndAFreshSession) {
  EXPECT_EQ(driver_->engine(), engine().driver);
  EXPECT_EQ(driver_->default_port(), engine().default_port);
  auto conn = connect();
  EXPECT_FALSE(conn->is_broken());
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kIdle);
  EXPECT_TRUE(conn->autocommit());
  EXPECT_EQ(conn->host().host, spec_.host.host);
  EXPECT_GT(conn->server_session_id(), 0);
  EXPECT_EQ(run(*conn, engine().session_id).scalar<std::int64_t>(), conn->server_session_id());
}

TEST_P(DriverContract, ReadsValuesNullsAndManyRows) {
  auto conn = connect();
  Result r = run(*conn, "SELECT 42 AS i, 'ada' AS t, NULL AS n, '' AS empty");
  ASSERT_EQ(r.size(), 1u);
  ASSERT_EQ(r.column_count(), 4u);
  EXPECT_EQ(r.column_name(0), "i");
  EXPECT_EQ(r[0]["i"].as<std::int32_t>(), 42);
  EXPECT_EQ(r[0]["t"].as<std::string>(), "ada");
  EXPECT_TRUE(r[0]["n"].is_null());
  EXPECT_FALSE(r[0]["empty"].is_null());
  EXPECT_EQ(r[0]["empty"].as<std::string>(), "");
  EXPECT_EQ(r.affected_rows(), 0);
  EXPECT_THROW(r[0].at(4), std::out_of_range);
  Result many = run(*conn, engine().thousand_rows);
  EXPECT_EQ(many.size(), 1000u);
  EXPECT_EQ(many[999][0].as<std::int64_t>(), 1000);
}

TEST_P(DriverContract, ParametersCarryNullsAndQuotes) {
  auto conn = connect();
  const std::string t = fresh_table(*conn, "id INT PRIMARY KEY, s VARCHAR(40), x DOUBLE PRECISION");
  const std::string insert_text = with_placeholder("INSERT INTO " + t + " VALUES (?, ?, ?)");
  EXPECT_EQ(run(*conn, insert_text, Params{1, "o'hara \"quoted\"", 0.25}).affected_rows(), 1);
  EXPECT_EQ(run(*conn, insert_text, Params{2, nullptr, std::nullopt}).affected_rows(), 1);
  Result r = run(*conn, with_placeholder("SELECT s, x FROM " + t + " WHERE id = ?"), Params{1});
  EXPECT_EQ(r[0][0].as<std::string>(), "o'hara \"quoted\"");
  EXPECT_DOUBLE_EQ(r[0][1].as<double>(), 0.25);
  Result nulls = run(*conn, with_placeholder("SELECT s, x FROM " + t + " WHERE id = ?"), Params{2});
  EXPECT_TRUE(nulls[0][0].is_null());
  EXPECT_TRUE(nulls[0][1].is_null());
}

TEST_P(DriverContract, NamedPreparedStatementsRunUntilDeallocated) {
  auto conn = connect();
  conn->prepare("twice", with_placeholder("SELECT ? * 2"));
  for (int i = 1; i <= 3; ++i) {
    Params p{i};
    EXPECT_EQ(Result(conn->execute_prepared("twice", p)).scalar<std::int64_t>(), i * 2);
  }
  conn->deallocate("twice");
  Params one{1};
  EXPECT_THROW(conn->execute_prepared("twice", one), QueryError);
  EXPECT_THROW(conn->prepare("bad", "SELEC 1"), QueryError);
  EXPECT_FALSE(conn->is_broken());
}

TEST_P(DriverContract, TransactionsCommitAndRollBack) {
  auto conn = connect();
  auto observer = connect();
  const std::string t = fresh_table(*conn, "id INT PRIMARY KEY");
  conn->begin();
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kInTransaction);
  EXPECT_EQ(run(*conn, "INSERT INTO " + t + " VALUES (1), (2)").affected_rows(), 2);
  conn->rollback();
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kIdle);
  EXPECT_EQ(run(*observer, "SELECT COUNT(*) FROM " + t).scalar<std::int64_t>(), 0);

  conn->begin();
  run(*conn, "INSERT INTO " + t + " VALUES (1), (2), (3)");
  EXPECT_EQ(run(*conn, "UPDATE " + t + " SET id = id + 10 WHERE id < 3").affected_rows(), 2);
  EXPECT_EQ(run(*conn, "DELETE FROM " + t + " WHERE id = 3").affected_rows(), 1);
  conn->commit();
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kIdle);
  EXPECT_EQ(run(*observer, "SELECT COUNT(*) FROM " + t).scalar<std::int64_t>(), 2);

  // A statement fails inside a transaction: the engines differ, and the driver says which.
  conn->begin();
  run(*conn, "INSERT INTO " + t + " VALUES (100)");
  EXPECT_THROW(run(*conn, "SELEC 1"), QueryError);
  if (engine().failed_statement_aborts_transaction) {
    EXPECT_EQ(conn->transaction_status(), TransactionStatus::kInFailedTransaction);
    try {
      conn->commit();
      FAIL() << "COMMIT of a failed transaction reported success";
    } catch (const QueryError& e) {
      EXPECT_EQ(e.sqlstate(), "25P02") << e.what();
    }
    EXPECT_EQ(
        run(*observer, "SELECT COUNT(*) FROM " + t + " WHERE id = 100").scalar<std::int64_t>(), 0);
  } else {
    EXPECT_EQ(conn->transaction_status(), TransactionStatus::kInTransaction);
    conn->commit();
    EXPECT_EQ(
        run(*observer, "SELECT COUNT(*) FROM " + t + " WHERE id = 100").scalar<std::int64_t>(), 1);
  }
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kIdle);
}

TEST_P(DriverContract, AutocommitOffOpensTransactionsLikeJdbc) {
  auto conn = connect();
  auto observer = connect();
  const std::string t = fresh_table(*conn, "id INT");
  conn->set_autocommit(false);
  EXPECT_FALSE(conn->autocommit());
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kIdle);
  run(*conn, "INSERT INTO " + t + " VALUES (1)");
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kInTransaction);
  EXPECT_EQ(run(*observer, "SELECT COUNT(*) FROM " + t).scalar<std::int64_t>(), 0);
  conn->commit();
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kIdle);
  EXPECT_EQ(run(*observer, "SELECT COUNT(*) FROM " + t).scalar<std::int64_t>(), 1);

  // A prepared statement opens a transaction too; preparing alone does not.
  conn->prepare("ins", with_placeholder("INSERT INTO " + t + " VALUES (?)"));
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kIdle);
  Params two{2};
  conn->execute_prepared("ins", two);
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kInTransaction);
  conn->rollback();
  EXPECT_EQ(run(*observer, "SELECT COUNT(*) FROM " + t).scalar<std::int64_t>(), 1);

  // Switching autocommit back on commits the open transaction.
  run(*conn, "INSERT INTO " + t + " VALUES (3)");
  conn->set_autocommit(true);
  EXPECT_TRUE(conn->autocommit());
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kIdle);
  EXPECT_EQ(run(*observer, "SELECT COUNT(*) FROM " + t).scalar<std::int64_t>(), 2);
  run(*conn, "INSERT INTO " + t + " VALUES (4)");
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kIdle);
}

TEST_P(DriverContract, ReadOnlySessionRefusesWritesWithReadOnlyViolation) {
  auto conn = connect();
  const std::string t = fresh_table(*conn, "id INT");
  conn->set_read_only(true);
  try {
    run(*conn, "INSERT INTO " + t + " VALUES (1)");
    FAIL() << "write in a read-only session succeeded";
  } catch (const ReadOnlyViolationError& e) {
    EXPECT_EQ(e.sqlstate(), engine().read_only_refusal);
    EXPECT_EQ(e.host(), conn->host().endpoint());
  }
  EXPECT_FALSE(conn->is_broken());
  EXPECT_EQ(run(*conn, "SELECT COUNT(*) FROM " + t).scalar<std::int64_t>(), 0);
  conn->set_read_only(false);
  run(*conn, "INSERT INTO " + t + " VALUES (1)");
}

TEST_P(DriverContract, IsolationLevelsApplyAndDefaultRestoresTheServers) {
  auto conn = connect();
  conn->set_isolation_level(IsolationLevel::kSerializable);
  conn->begin();
  EXPECT_EQ(run(*conn, engine().isolation).scalar<std::string>(), "serializable");
  conn->commit();
  conn->set_isolation_level(IsolationLevel::kRepeatableRead);
  conn->begin();
  EXPECT_EQ(run(*conn, engine().isolation).scalar<std::string>(), "repeatable read");
  conn->commit();
  conn->set_isolation_level(IsolationLevel::kDefault);
  conn->begin();
  EXPECT_EQ(run(*conn, engine().isolation).scalar<std::string>(),
            run(*conn, engine().default_isolation).scalar<std::string>());
  conn->commit();
}

TEST_P(DriverContract, SyntaxErrorAndDuplicateKeyLeaveTheConnectionUsable) {
  auto conn = connect();
  try {
    run(*conn, "SELEC 1");
    FAIL() << "syntax error not reported";
  } catch (const QueryCancelledError&) {
    FAIL() << "syntax error reported as cancel";
  } catch (const ReadOnlyViolationError&) {
    FAIL() << "syntax error reported as read-only violation";
  } catch (const QueryError& e) {
    EXPECT_EQ(e.sqlstate(), engine().syntax_error_state);
  }
  EXPECT_FALSE(conn->is_broken());
  const std::string t = fresh_table(*conn, "id INT PRIMARY KEY");
  run(*conn, "INSERT INTO " + t + " VALUES (7)");
  for (bool with_parameter : {false, true}) {
    try {
      if (with_parameter) {
        run(*conn, with_placeholder("INSERT INTO " + t + " VALUES (?)"), Params{7});
      } else {
        run(*conn, "INSERT INTO " + t + " VALUES (7)");
      }
      FAIL() << "duplicate key not reported";
    } catch (const QueryError& e) {
      EXPECT_EQ(e.sqlstate(), engine().duplicate_key_state) << e.what();
      EXPECT_FALSE(e.host().empty());
    }
  }
  EXPECT_FALSE(conn->is_broken());
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kIdle);
  EXPECT_EQ(run(*conn, "SELECT COUNT(*) FROM " + t).scalar<std::int64_t>(), 1);
}

TEST_P(DriverContract, CancelFromAnotherThreadStopsTheStatementAndKeepsTheSession) {
  auto conn = connect();
  auto watcher = connect();
  for (bool with_parameter : {false, true}) {
    auto running = std::async(std::launch::async, [&] {
      if (with_parameter) {
        run(*conn, engine().sleep_param, Params{30});
      } else {
        run(*conn, engine().sleep_30s);
      }
    });
    EXPECT_TRUE(sleep_running(*watcher, conn->server_session_id()));
    const auto start = Clock::now();
    conn->cancel();
    ASSERT_EQ(running.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    const double took = seconds_since(start);
    EXPECT_THROW(running.get(), QueryCancelledError);
    EXPECT_LT(took, 1.0);
    std::cout << "[ figure ] " << engine().name << " cancel ("
              << (with_parameter ? "parameters" : "text") << ") answered after " << took << " s\n";
    EXPECT_FALSE(conn->is_broken());
    EXPECT_EQ(run(*conn, "SELECT 1").scalar<std::int64_t>(), 1);
  }
  conn->cancel();  // nothing running: the next statement is not hit
  EXPECT_EQ(run(*conn, "SELECT 2").scalar<std::int64_t>(), 2);
}

TEST_P(DriverContract, AbortFromAnotherThreadUnblocksTheOwner) {
  auto conn = connect();
  auto watcher = connect();
  auto running = std::async(std::launch::async, [&] { run(*conn, engine().sleep_30s); });
  EXPECT_TRUE(sleep_running(*watcher, conn->server_session_id())) << "the call never blocked";
  const auto start = Clock::now();
  conn->abort();
  ASSERT_EQ(running.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  const double took = seconds_since(start);
  try {
    running.get();
    FAIL() << "a blocked call survived abort()";
  } catch (const ConnectionLostError& e) {
    EXPECT_EQ(e.host(), conn->host().endpoint());
  }
  EXPECT_LT(took, 1.0);
  std::cout << "[ figure ] " << engine().name << " abort answered after " << took << " s\n";
  EXPECT_TRUE(conn->is_broken());
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kUnknown);
  EXPECT_THROW(run(*conn, "SELECT 1"), ConnectionLostError);
  EXPECT_THROW(conn->commit(), ConnectionLostError);
  conn->abort();  // twice: harmless
  conn->close();
  conn->abort();  // after close: must not touch a reused descriptor
  conn->cancel();
}

TEST_P(DriverContract, AbortAndCancelRaceWithCloseWithoutHarm) {
  // Rounds of abort/cancel from another thread around a running call and close; under ASan and
  // TSan this catches a use after free of the native handle.
  for (int round = 0; round < 20; ++round) {
    auto conn = connect();
    std::atomic<bool> go{false};
    std::thread other([&] {
      while (!go) std::this_thread::yield();
      // The time is the point: 0-4 ms moves the strike around the call's start and its end.
      std::this_thread::sleep_for(milliseconds(round % 5));
      if (round % 2 == 0) {
        conn->abort();
      } else {
        try {
          conn->cancel();
        } catch (const ConnectError&) {
        }
      }
    });
    go = true;
    try {
      run(*conn, engine().sleep_param, Params{0.05});
    } catch (const Error&) {
    }
    other.join();
    conn->close();
  }
}

TEST_P(DriverContract, SocketTimeoutBreaksTheConnection) {
  ConnectSpec spec = spec_;
  spec.socket_timeout = milliseconds(300);
  for (bool with_parameter : {false, true}) {
    auto conn = connect(spec);
    EXPECT_EQ(run(*conn, "SELECT 1").scalar<std::int64_t>(), 1);
    const auto start = Clock::now();
    try {
      if (with_parameter) {
        run(*conn, engine().sleep_param, Params{5});
      } else {
        run(*conn, engine().sleep_30s);
      }
      FAIL() << "socket_timeout did not fire";
    } catch (const ConnectionLostError& e) {
      EXPECT_TRUE(contains(e.what(), engine().socket_timeout_words)) << e.what();
    }
    const double took = seconds_since(start);
    EXPECT_GE(took, 0.29);
    EXPECT_LT(took, 1.5);
    std::cout << "[ figure ] " << engine().name << " socket_timeout 300 ms fired after " << took
              << " s\n";
    EXPECT_TRUE(conn->is_broken());
  }
}

TEST_P(DriverContract, ConnectDeadlineHoldsAgainstASilentServer) {
  testing::SilentListener listener;
  ConnectSpec spec = spec_;
  spec.host.host = "127.0.0.1";
  spec.host.port = listener.port();
  spec.connect_timeout = milliseconds(400);
  const auto start = Clock::now();
  try {
    connect(spec);
    FAIL() << "connected to a server that never answers";
  } catch (const AuthError& e) {
    FAIL() << "a silent server reported as login failure: " << e.what();
  } catch (const ConnectError& e) {
    EXPECT_TRUE(contains(e.what(), engine().connect_timeout_words)) << e.what();
    EXPECT_EQ(e.host(), "127.0.0.1:" + std::to_string(listener.port()));
  }
  const double took = seconds_since(start);
  EXPECT_GE(took, 0.39);
  EXPECT_LT(took, 1.5);
  std::cout << "[ figure ] " << engine().name
            << " connect_timeout 400 ms on a silent listener: " << took << " s\n";
}

TEST_P(DriverContract, RefusedConnectFailsFastAsConnectError) {
  ConnectSpec spec = spec_;
  spec.host.host = "127.0.0.1";
  spec.host.port = testing::refused_port();
  const auto start = Clock::now();
  try {
    connect(spec);
    FAIL() << "connected to a port with no listener";
  } catch (const AuthError& e) {
    FAIL() << "refused connect reported as login failure: " << e.what();
  } catch (const ConnectError& e) {
    EXPECT_EQ(e.host(), "127.0.0.1:" + std::to_string(spec.host.port));
  }
  EXPECT_LT(seconds_since(start), 1.0);
}

TEST_P(DriverContract, WrongPasswordIsAuthErrorWithoutThePassword) {
  ConnectSpec spec = spec_;
  spec.password = "wrong-secret-Xy9";
  try {
    connect(spec);
    FAIL() << "a wrong password was accepted";
  } catch (const AuthError& e) {
    EXPECT_EQ(e.sqlstate(), engine().bad_login_state) << e.what();
    EXPECT_EQ(e.host(), spec.host.endpoint());
    EXPECT_FALSE(contains(e.what(), "wrong-secret-Xy9")) << e.what();
    EXPECT_FALSE(contains(e.what(), "LOCATION")) << e.what();  // no server source locations
    EXPECT_FALSE(contains(e.what(), spec_.password)) << e.what();
  }
}

TEST_P(DriverContract, UnknownNativeOptionIsAConfigErrorNamingIt) {
  ConnectSpec spec = spec_;
  spec.native_options["no_such_option"] = "1";
  try {
    connect(spec);
    FAIL() << "an unknown native option was accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.property(), "no_such_option");
    EXPECT_TRUE(contains(e.what(), "no_such_option")) << e.what();
  }
}

TEST_P(DriverContract, KilledSessionIsConnectionLostForEveryCall) {
  auto conn = connect();
  auto killer = connect();
  conn->prepare("one", with_placeholder("SELECT ?"));
  kill_session(*killer, conn->server_session_id());
  try {
    run(*conn, "SELECT 1");
    FAIL() << "a killed session answered";
  } catch (const ConnectionLostError& e) {
    EXPECT_EQ(e.host(), conn->host().endpoint());
  }
  EXPECT_TRUE(conn->is_broken());
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kUnknown);
  Params one{1};
  EXPECT_THROW(conn->execute_prepared("one", one), ConnectionLostError);
  EXPECT_THROW(run(*conn, "SELECT 1"), ConnectionLostError);
  conn->close();
}

TEST_P(DriverContract, KilledDuringAStatementIsConnectionLost) {
  auto conn = connect();
  auto killer = connect();
  const std::int64_t id = conn->server_session_id();
  auto killing = std::async(std::launch::async, [&] {
    const bool was_running = sleep_running(*killer, id);
    run(*killer, engine().kill_prefix + std::to_string(id) + engine().kill_suffix);
    return was_running;
  });
  EXPECT_THROW(run(*conn, engine().sleep_30s), ConnectionLostError);
  EXPECT_TRUE(killing.get()) << "the kill did not strike during the statement";
  EXPECT_TRUE(conn->is_broken());
}

TEST_P(DriverContract, CommitOnAKilledSessionIsConnectionLostNeverSuccess) {
  auto killer = connect();
  const std::string t = fresh_table(*killer, "id INT");
  auto in_transaction = connect();
  in_transaction->begin();
  run(*in_transaction, "INSERT INTO " + t + " VALUES (1)");
  kill_session(*killer, in_transaction->server_session_id());
  EXPECT_THROW(in_transaction->commit(), ConnectionLostError);
  EXPECT_TRUE(in_transaction->is_broken());

  auto autocommit_off = connect();
  autocommit_off->set_autocommit(false);
  run(*autocommit_off, "INSERT INTO " + t + " VALUES (2)");
  kill_session(*killer, autocommit_off->server_session_id());
  EXPECT_THROW(autocommit_off->commit(), ConnectionLostError);
  EXPECT_EQ(run(*killer, "SELECT COUNT(*) FROM " + t).scalar<std::int64_t>(), 0);
}

TEST_P(DriverContract, CloseIsFinalAndResultsOutliveTheConnection) {
  auto conn = connect();
  Result kept = run(*conn, "SELECT 'kept' AS word, NULL AS nothing");
  conn->close();
  EXPECT_TRUE(conn->is_broken());
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kUnknown);
  EXPECT_EQ(kept[0]["word"].as<std::string>(), "kept");
  EXPECT_TRUE(kept[0]["nothing"].is_null());
  EXPECT_THROW(run(*conn, "SELECT 1"), ConnectionLostError);
  conn->close();  // idempotent
}

// One HostProbe check run the way the monitor loop runs it: poll() until `deadline`, then
// abandon(). `slowest` is the longest start()/resume() took: a probe never blocks.
HostProbe::Status run_probe_check(HostProbe& probe, Clock::time_point deadline,
                                  Clock::duration& slowest) {
  auto timed = [&](auto step) {
    const auto start = Clock::now();
    HostProbe::Status status = step();
    slowest = std::max(slowest, Clock::now() - start);
    return status;
  };
  HostProbe::Status status = timed([&] { return probe.start(); });
  while (status == HostProbe::Status::kWaiting) {
    const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      probe.abandon();
      return HostProbe::Status::kFailed;
    }
    pollfd fd{probe.socket(), probe.events(), 0};
    const int ready = ::poll(&fd, 1, static_cast<int>(left));
    status = timed([&] { return probe.resume(ready > 0 ? fd.revents : 0); });
  }
  return status;
}

TEST_P(DriverContract, ProbeAnswersKeepsItsSessionAndTellsARefusedLoginApart) {
  auto warm = connect();  // Connector/C is initialised by a first connection (mysql_probe.hpp)
  Clock::duration slowest{};
  auto probe = driver_->make_probe(spec_);
  ASSERT_TRUE(probe);
  EXPECT_FALSE(probe->has_session()) << "making a probe opens nothing";
  ASSERT_EQ(run_probe_check(*probe, Clock::now() + std::chrono::seconds(5), slowest),
            HostProbe::Status::kSucceeded)
      << probe->error();
  EXPECT_TRUE(probe->has_session());
  EXPECT_EQ(run_probe_check(*probe, Clock::now() + std::chrono::seconds(5), slowest),
            HostProbe::Status::kSucceeded)
      << "the second check reuses the session: " << probe->error();
  probe->close();
  EXPECT_FALSE(probe->has_session());

  ConnectSpec wrong = spec_;
  wrong.password = "not-the-password-7f3a";
  auto refused = driver_->make_probe(wrong);
  EXPECT_EQ(run_probe_check(*refused, Clock::now() + std::chrono::seconds(5), slowest),
            HostProbe::Status::kRefused)
      << refused->error();
  EXPECT_FALSE(refused->has_session());
  EXPECT_FALSE(contains(refused->error(), wrong.password)) << refused->error();
  EXPECT_LT(slowest, milliseconds(500)) << "a probe step blocked";
}

// A name with several addresses (resolved by the caller into spec.addresses): a check tries
// them in turn, as a connection does, so a host that answers at its second address is not
// reported down; a check whose every address is dead fails.
TEST_P(DriverContract, ProbeTriesEachAddressOfTheHostInTurn) {
  auto warm = connect();
  ConnectSpec spec = spec_;
  const std::string live = spec.host.host;
  spec.host.host = "two-addresses.awrap.invalid";  // never resolved: the addresses are given
  spec.addresses = {"127.0.0.254", live};          // the lab listens on its own addresses only
  Clock::duration slowest{};
  auto probe = driver_->make_probe(spec);
  ASSERT_EQ(run_probe_check(*probe, Clock::now() + std::chrono::seconds(5), slowest),
            HostProbe::Status::kSucceeded)
      << probe->error();
  EXPECT_TRUE(probe->has_session());
  probe->close();
  EXPECT_EQ(run_probe_check(*probe, Clock::now() + std::chrono::seconds(5), slowest),
            HostProbe::Status::kSucceeded)
      << "a new session for the second check: " << probe->error();
  probe->close();

  spec.addresses = {"127.0.0.254", "127.0.0.253"};
  auto dead = driver_->make_probe(spec);
  EXPECT_EQ(run_probe_check(*dead, Clock::now() + std::chrono::seconds(5), slowest),
            HostProbe::Status::kFailed);
  EXPECT_FALSE(dead->has_session());
  EXPECT_LT(slowest, milliseconds(500)) << "a probe step blocked";
}

TEST_P(DriverContract, ProbeNeverBlocksAndEndsAtTheCallersDeadlineOnASilentServer) {
  auto warm = connect();
  testing::SilentListener listener;
  ConnectSpec spec = spec_;
  spec.host.host = "127.0.0.1";
  spec.host.port = listener.port();
  spec.connect_timeout = std::chrono::seconds(30);  // ignored: the caller's deadline applies
  auto probe = driver_->make_probe(spec);
  Clock::duration slowest{};
  const auto start = Clock::now();
  EXPECT_EQ(run_probe_check(*probe, start + milliseconds(400), slowest),
            HostProbe::Status::kFailed);
  const double took = seconds_since(start);
  EXPECT_FALSE(probe->has_session()) << "abandon() closes the session";
  EXPECT_GE(took, 0.39);
  EXPECT_LT(took, 1.0);
  EXPECT_LT(slowest, milliseconds(200)) << "a probe step blocked on a silent server";
  std::cout << "[ figure ] " << engine().name
            << " probe deadline 400 ms on a silent listener: " << took << " s, slowest step "
            << std::chrono::duration<double, std::milli>(slowest).count() << " ms\n";
}

INSTANTIATE_TEST_SUITE_P(Engines, DriverContract, ::testing::Values(&kPostgres, &kMariaDb),
                         [](const auto& engine) { return std::string(engine.param->name); });

}  // namespace
}  // namespace awrap::internal
