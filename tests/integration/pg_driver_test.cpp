// The PostgreSQL target driver against a real PostgreSQL 15 server.
//
// The server comes from AWRAP_TEST_PG_CONNINFO (libpq keyword form, e.g. "host=127.0.0.40
// port=5432 user=awrap password=awrap-lab-password dbname=awrap"; ctest sets it and starts the
// lab server). Without it the tests are skipped.
#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>

#include "awrap/errors.hpp"
#include "awrap/result.hpp"
#include "driver/pg/pg_driver.hpp"
#include "driver/pg/pg_handles.hpp"

namespace awrap::pg {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

ConnectSpec spec_from_conninfo(const char* conninfo) {
  char* error = nullptr;
  PgConninfoHandle options(PQconninfoParse(conninfo, &error));
  if (!options) {
    std::string message = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    throw std::runtime_error("AWRAP_TEST_PG_CONNINFO does not parse: " + message);
  }
  ConnectSpec spec;
  for (PQconninfoOption* option = options.get(); option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    const std::string keyword = option->keyword;
    const std::string value = option->val;
    if (keyword == "host") {
      spec.host.host = value;
    } else if (keyword == "port") {
      spec.host.port = std::stoi(value);
    } else if (keyword == "user") {
      spec.user = value;
    } else if (keyword == "password") {
      spec.password = value;
    } else if (keyword == "dbname") {
      spec.database = value;
    } else {
      spec.native_options[keyword] = value;
    }
  }
  spec.connect_timeout = std::chrono::seconds(10);
  return spec;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class PgDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* conninfo = std::getenv("AWRAP_TEST_PG_CONNINFO");
    if (conninfo == nullptr || *conninfo == '\0') {
      GTEST_SKIP() << "AWRAP_TEST_PG_CONNINFO is not set";
    }
    spec_ = spec_from_conninfo(conninfo);
    driver_ = make_pg_driver();
  }

  std::unique_ptr<TargetConnection> connect() { return driver_->connect(spec_); }
  std::unique_ptr<TargetConnection> connect(const ConnectSpec& spec) {
    return driver_->connect(spec);
  }

  static Result run(TargetConnection& conn, std::string_view sql, const Params& params = {}) {
    return Result(conn.execute(sql, params));
  }

  // A table name unique to this process, so parallel test runs do not collide.
  static std::string table(const std::string& base) {
    return "pgdriver_" + base + "_" + std::to_string(::getpid());
  }

  ConnectSpec spec_;
  std::unique_ptr<TargetDriver> driver_;
};

TEST_F(PgDriverTest, ConnectsAndReportsSession) {
  EXPECT_EQ(driver_->engine(), "pg");
  EXPECT_EQ(driver_->default_port(), 5432);
  auto conn = connect();
  EXPECT_FALSE(conn->is_broken());
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kIdle);
  EXPECT_TRUE(conn->autocommit());
  EXPECT_EQ(conn->host().host, spec_.host.host);
  EXPECT_EQ(run(*conn, "SELECT pg_backend_pid()").scalar<std::int64_t>(),
            conn->server_session_id());
}

TEST_F(PgDriverTest, ReadsTypesAndNulls) {
  auto conn = connect();
  Result r = run(*conn,
                 "SELECT 42::int AS i, 'ada'::text AS t, NULL::int AS n, 1.5::float8 AS d, "
                 "true AS b, DATE '2020-02-29' AS day, ''::text AS empty, "
                 "9223372036854775807::bigint AS big");
  ASSERT_EQ(r.size(), 1u);
  ASSERT_EQ(r.column_count(), 8u);
  EXPECT_EQ(r.column_name(0), "i");
  EXPECT_EQ(r[0]["i"].as<std::int32_t>(), 42);
  EXPECT_EQ(r[0]["t"].as<std::string>(), "ada");
  EXPECT_TRUE(r[0]["n"].is_null());
  EXPECT_EQ(r[0]["n"].as<std::optional<std::int64_t>>(), std::nullopt);
  EXPECT_DOUBLE_EQ(r[0]["d"].as<double>(), 1.5);
  EXPECT_TRUE(r[0]["b"].as<bool>());
  EXPECT_EQ(r[0]["day"].as<std::string>(), "2020-02-29");
  EXPECT_FALSE(r[0]["empty"].is_null());
  EXPECT_EQ(r[0]["empty"].as<std::string>(), "");
  EXPECT_EQ(r[0]["big"].as<std::int64_t>(), INT64_MAX);
  EXPECT_EQ(r.affected_rows(), 0);
  EXPECT_THROW(r[0].at(8), std::out_of_range);
  EXPECT_THROW((void)r.data()->value(1, 0), std::out_of_range);

  Result many = run(*conn, "SELECT g FROM generate_series(1, 1000) AS g");
  EXPECT_EQ(many.size(), 1000u);
  EXPECT_EQ(many[999][0].as<std::int64_t>(), 1000);
  EXPECT_EQ(many.affected_rows(), 0);
}

TEST_F(PgDriverTest, SimpleQueryWithSeveralStatementsReturnsTheLast) {
  auto conn = connect();
  EXPECT_EQ(run(*conn, "SELECT 1; SELECT 2").scalar<std::int64_t>(), 2);
}

TEST_F(PgDriverTest, SendsParametersAsTextWithNulls) {
  auto conn = connect();
  Result r = run(*conn, "SELECT $1::int + 1, $2::text, $3::int IS NULL, $4::bool, $5::float8",
                 Params{41, "o'hara \"quoted\"", nullptr, true, 0.25});
  EXPECT_EQ(r[0][0].as<std::int64_t>(), 42);
  EXPECT_EQ(r[0][1].as<std::string>(), "o'hara \"quoted\"");
  EXPECT_TRUE(r[0][2].as<bool>());
  EXPECT_TRUE(r[0][3].as<bool>());
  EXPECT_DOUBLE_EQ(r[0][4].as<double>(), 0.25);
  EXPECT_FALSE(run(*conn, "SELECT $1::bool", Params{false}).scalar<bool>());
  EXPECT_EQ(run(*conn, "SELECT $1::text", Params{std::optional<std::string>()})
                .scalar<std::optional<std::string>>(),
            std::nullopt);
}

TEST_F(PgDriverTest, PreparedStatements) {
  auto conn = connect();
  conn->prepare("add_one", "SELECT $1::int + 1");
  conn->prepare("Mixed Case \"name\"", "SELECT $1::text || '!'");
  Params p1{1};
  Params p2{99};
  EXPECT_EQ(Result(conn->execute_prepared("add_one", p1)).scalar<std::int64_t>(), 2);
  EXPECT_EQ(Result(conn->execute_prepared("add_one", p2)).scalar<std::int64_t>(), 100);
  Params text{"hi"};
  EXPECT_EQ(Result(conn->execute_prepared("Mixed Case \"name\"", text)).scalar<std::string>(),
            "hi!");
  conn->deallocate("add_one");
  conn->deallocate("Mixed Case \"name\"");
  try {
    conn->execute_prepared("add_one", p1);
    FAIL() << "a deallocated statement ran";
  } catch (const QueryError& e) {
    EXPECT_EQ(e.sqlstate(), "26000") << e.what();
  }
  EXPECT_THROW(conn->prepare("bad", "SELEC 1"), QueryError);
  EXPECT_FALSE(conn->is_broken());
}

TEST_F(PgDriverTest, TransactionsCommitAndRollBack) {
  auto conn = connect();
  const std::string t = table("tx");
  run(*conn, "DROP TABLE IF EXISTS " + t);
  run(*conn, "CREATE TABLE " + t + " (id int PRIMARY KEY)");
  conn->begin();
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kInTransaction);
  EXPECT_EQ(run(*conn, "INSERT INTO " + t + " VALUES (1), (2)").affected_rows(), 2);
  conn->rollback();
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kIdle);
  EXPECT_EQ(run(*conn, "SELECT count(*) FROM " + t).scalar<std::int64_t>(), 0);

  conn->begin();
  run(*conn, "INSERT INTO " + t + " VALUES (1), (2), (3)");
  EXPECT_EQ(run(*conn, "UPDATE " + t + " SET id = id + 10 WHERE id < 3").affected_rows(), 2);
  EXPECT_EQ(run(*conn, "DELETE FROM " + t + " WHERE id = 3 RETURNING id").affected_rows(), 1);
  conn->commit();
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kIdle);
  EXPECT_EQ(run(*conn, "SELECT count(*) FROM " + t).scalar<std::int64_t>(), 2);

  // A failed transaction: the COMMIT that does not commit must not look like success.
  conn->begin();
  run(*conn, "INSERT INTO " + t + " VALUES (100)");
  EXPECT_THROW(run(*conn, "SELEC 1"), QueryError);
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kInFailedTransaction);
  try {
    conn->commit();
    FAIL() << "COMMIT of a failed transaction reported success";
  } catch (const QueryError& e) {
    EXPECT_EQ(e.sqlstate(), "25P02") << e.what();
  }
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kIdle);
  EXPECT_EQ(run(*conn, "SELECT count(*) FROM " + t + " WHERE id = 100").scalar<std::int64_t>(), 0);
  run(*conn, "DROP TABLE " + t);
}

TEST_F(PgDriverTest, AutocommitOffOpensTransactionsLikeJdbc) {
  auto conn = connect();
  auto observer = connect();
  const std::string t = table("autocommit");
  run(*conn, "DROP TABLE IF EXISTS " + t);
  run(*conn, "CREATE TABLE " + t + " (id int)");

  conn->set_autocommit(false);
  EXPECT_FALSE(conn->autocommit());
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kIdle);
  run(*conn, "INSERT INTO " + t + " VALUES (1)");
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kInTransaction);
  EXPECT_EQ(run(*observer, "SELECT count(*) FROM " + t).scalar<std::int64_t>(), 0);
  conn->commit();
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kIdle);
  EXPECT_EQ(run(*observer, "SELECT count(*) FROM " + t).scalar<std::int64_t>(), 1);

  // Prepared statements open a transaction too.
  conn->prepare("ins", "INSERT INTO " + t + " VALUES ($1)");
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kIdle);  // prepare alone does not
  Params two{2};
  conn->execute_prepared("ins", two);
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kInTransaction);
  conn->rollback();
  EXPECT_EQ(run(*observer, "SELECT count(*) FROM " + t).scalar<std::int64_t>(), 1);

  // Switching autocommit back on commits the open transaction.
  run(*conn, "INSERT INTO " + t + " VALUES (3)");
  conn->set_autocommit(true);
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kIdle);
  EXPECT_EQ(run(*observer, "SELECT count(*) FROM " + t).scalar<std::int64_t>(), 2);
  run(*conn, "INSERT INTO " + t + " VALUES (4)");
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kIdle);
  run(*conn, "DROP TABLE " + t);
}

TEST_F(PgDriverTest, ReadOnlyViolation) {
  auto conn = connect();
  const std::string t = table("ro");
  run(*conn, "DROP TABLE IF EXISTS " + t);
  run(*conn, "CREATE TABLE " + t + " (id int)");
  conn->set_read_only(true);
  EXPECT_EQ(run(*conn, "SHOW default_transaction_read_only").scalar<std::string>(), "on");
  try {
    run(*conn, "INSERT INTO " + t + " VALUES (1)");
    FAIL() << "write in a read-only session succeeded";
  } catch (const ReadOnlyViolationError& e) {
    EXPECT_EQ(e.sqlstate(), "25006");
    EXPECT_EQ(e.host(), conn->host().endpoint());
  }
  EXPECT_FALSE(conn->is_broken());
  conn->set_read_only(false);
  run(*conn, "INSERT INTO " + t + " VALUES (1)");
  run(*conn, "DROP TABLE " + t);
}

TEST_F(PgDriverTest, IsolationLevels) {
  auto conn = connect();
  conn->set_isolation_level(IsolationLevel::kSerializable);
  conn->begin();
  EXPECT_EQ(run(*conn, "SHOW transaction_isolation").scalar<std::string>(), "serializable");
  conn->commit();
  conn->set_isolation_level(IsolationLevel::kRepeatableRead);
  EXPECT_EQ(run(*conn, "SHOW default_transaction_isolation").scalar<std::string>(),
            "repeatable read");
  conn->set_isolation_level(IsolationLevel::kDefault);
  EXPECT_EQ(run(*conn, "SHOW default_transaction_isolation").scalar<std::string>(),
            "read committed");
}

TEST_F(PgDriverTest, SyntaxErrorAndUniqueViolationLeaveTheConnectionUsable) {
  auto conn = connect();
  try {
    run(*conn, "SELEC 1");
    FAIL() << "syntax error not reported";
  } catch (const QueryCancelledError&) {
    FAIL() << "syntax error reported as cancel";
  } catch (const ReadOnlyViolationError&) {
    FAIL() << "syntax error reported as read-only violation";
  } catch (const QueryError& e) {
    EXPECT_EQ(e.sqlstate(), "42601");
    EXPECT_TRUE(contains(e.what(), "syntax error")) << e.what();
  }
  EXPECT_FALSE(conn->is_broken());

  run(*conn, "CREATE TEMP TABLE uniq (id int PRIMARY KEY)");
  run(*conn, "INSERT INTO uniq VALUES ($1)", Params{7});
  try {
    run(*conn, "INSERT INTO uniq VALUES ($1)", Params{7});
    FAIL() << "unique violation not reported";
  } catch (const QueryError& e) {
    EXPECT_EQ(e.sqlstate(), "23505");
    EXPECT_FALSE(e.host().empty());
  }
  EXPECT_FALSE(conn->is_broken());
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kIdle);
  EXPECT_EQ(run(*conn, "SELECT count(*) FROM uniq").scalar<std::int64_t>(), 1);
}

TEST_F(PgDriverTest, CancelFromAnotherThreadStopsTheStatement) {
  auto conn = connect();
  auto canceller = std::async(std::launch::async, [&] {
    std::this_thread::sleep_for(milliseconds(300));
    conn->cancel();
  });
  const auto start = Clock::now();
  try {
    run(*conn, "SELECT pg_sleep(30)");
    FAIL() << "pg_sleep(30) was not cancelled";
  } catch (const QueryCancelledError& e) {
    EXPECT_EQ(e.sqlstate(), "57014");
  }
  const double elapsed = seconds_since(start);
  canceller.get();
  EXPECT_LT(elapsed, 1.5) << "cancel took " << elapsed << " s";
  std::cout << "[ figure ] cancel of pg_sleep(30) returned after " << elapsed << " s (cancel sent "
            << "at 0.3 s)\n";
  EXPECT_FALSE(conn->is_broken());
  EXPECT_EQ(run(*conn, "SELECT 1").scalar<std::int64_t>(), 1);
  conn->cancel();  // nothing running: harmless
  EXPECT_EQ(run(*conn, "SELECT 2").scalar<std::int64_t>(), 2);
}

TEST_F(PgDriverTest, StatementTimeoutIsACancelNotALoss) {
  auto conn = connect();
  run(*conn, "SET statement_timeout = 100");
  try {
    run(*conn, "SELECT pg_sleep(5)");
    FAIL() << "statement_timeout did not fire";
  } catch (const QueryCancelledError& e) {
    EXPECT_EQ(e.sqlstate(), "57014");
  }
  EXPECT_FALSE(conn->is_broken());
  EXPECT_EQ(run(*conn, "SELECT 1").scalar<std::int64_t>(), 1);
}

TEST_F(PgDriverTest, CopyIsRefusedAndTheConnectionStaysUsable) {
  auto conn = connect();
  run(*conn, "CREATE TEMP TABLE copy_target (id int)");
  for (const char* sql : {"COPY (SELECT g FROM generate_series(1, 5000) g) TO STDOUT",
                          "COPY copy_target FROM STDIN"}) {
    try {
      run(*conn, sql);
      FAIL() << sql << " did not fail";
    } catch (const QueryError& e) {
      EXPECT_EQ(e.sqlstate(), "0A000") << e.what();
    }
    EXPECT_FALSE(conn->is_broken());
    EXPECT_EQ(conn->transaction_status(), TransactionStatus::kIdle);
    EXPECT_EQ(run(*conn, "SELECT 7").scalar<std::int64_t>(), 7);
  }
  EXPECT_EQ(run(*conn, "SELECT count(*) FROM copy_target").scalar<std::int64_t>(), 0);
}

TEST_F(PgDriverTest, EmptyQueryAndNoticesAreHarmless) {
  auto conn = connect();
  EXPECT_EQ(run(*conn, "").size(), 0u);
  conn->begin();
  conn->begin();  // server WARNING "already a transaction in progress": logged, not stderr
  conn->rollback();
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kIdle);
}

TEST_F(PgDriverTest, AbortFromAnotherThreadUnblocksTheOwner) {
  auto conn = connect();
  auto aborter = std::async(std::launch::async, [&] {
    std::this_thread::sleep_for(milliseconds(300));
    conn->abort();
  });
  const auto start = Clock::now();
  try {
    run(*conn, "SELECT pg_sleep(30)");
    FAIL() << "pg_sleep(30) survived abort()";
  } catch (const ConnectionLostError& e) {
    EXPECT_TRUE(contains(e.what(), "aborted")) << e.what();
    EXPECT_EQ(e.host(), conn->host().endpoint());
  }
  const double elapsed = seconds_since(start);
  aborter.get();
  EXPECT_LT(elapsed, 1.0) << "abort took " << elapsed << " s";
  std::cout << "[ figure ] abort of a blocked call returned after " << elapsed
            << " s (abort at 0.3 s)\n";
  EXPECT_TRUE(conn->is_broken());
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kUnknown);
  EXPECT_THROW(run(*conn, "SELECT 1"), ConnectionLostError);
  EXPECT_THROW(conn->commit(), ConnectionLostError);
  conn->abort();  // twice: harmless
  conn->close();
  conn->abort();  // after close: must not touch a reused descriptor
  conn->cancel();
}

TEST_F(PgDriverTest, AbortAndCancelRaceWithCloseWithoutHarm) {
  // Many rounds of abort/cancel from another thread around a running call and close; run under
  // ASan/TSan this catches use-after-free on the native handle.
  for (int round = 0; round < 20; ++round) {
    auto conn = connect();
    std::atomic<bool> go{false};
    std::thread other([&] {
      while (!go) std::this_thread::yield();
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
      run(*conn, "SELECT pg_sleep(0.05)");
    } catch (const Error&) {
    }
    other.join();
    conn->close();
  }
}

TEST_F(PgDriverTest, SocketTimeoutClosesTheConnection) {
  ConnectSpec spec = spec_;
  spec.socket_timeout = milliseconds(300);
  auto conn = connect(spec);
  EXPECT_EQ(run(*conn, "SELECT pg_sleep(0.05), 1")[0][1].as<std::int64_t>(), 1);
  const auto start = Clock::now();
  try {
    run(*conn, "SELECT pg_sleep(5)");
    FAIL() << "socket_timeout did not fire";
  } catch (const ConnectionLostError& e) {
    EXPECT_TRUE(contains(e.what(), "timed out")) << e.what();
  }
  const double elapsed = seconds_since(start);
  EXPECT_GE(elapsed, 0.25);
  EXPECT_LT(elapsed, 1.5);
  std::cout << "[ figure ] socket_timeout 300 ms fired after " << elapsed << " s\n";
  EXPECT_TRUE(conn->is_broken());
}

// A TCP listener that completes handshakes (kernel backlog) but never accepts or answers.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = 0;
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd_, 16) != 0) {
      throw std::runtime_error("cannot open the silent listener");
    }
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST_F(PgDriverTest, ConnectDeadlineHoldsAgainstASilentServer) {
  SilentListener listener;
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
    EXPECT_TRUE(contains(e.what(), "timed out")) << e.what();
    EXPECT_EQ(e.host(), "127.0.0.1:" + std::to_string(listener.port()));
  }
  const double elapsed = seconds_since(start);
  EXPECT_GE(elapsed, 0.35);
  EXPECT_LT(elapsed, 1.5);
  std::cout << "[ figure ] connect_timeout 400 ms against a silent listener fired after " << elapsed
            << " s\n";
}

TEST_F(PgDriverTest, RefusedConnectFailsFast) {
  ConnectSpec spec = spec_;
  spec.host.host = "127.0.0.99";
  spec.host.port = 1;  // nothing listens there
  const auto start = Clock::now();
  try {
    connect(spec);
    FAIL() << "connected to a port with no listener";
  } catch (const AuthError& e) {
    FAIL() << "refused connect reported as login failure: " << e.what();
  } catch (const ConnectError& e) {
    EXPECT_EQ(e.host(), "127.0.0.99:1");
    std::cout << "[ info ] " << e.what() << " (SQLSTATE " << e.sqlstate() << ")\n";
  }
  EXPECT_LT(seconds_since(start), 1.0);
}

TEST_F(PgDriverTest, WrongPasswordIsAuthErrorWithoutThePassword) {
  ConnectSpec spec = spec_;
  spec.password = "wrong-secret-Xy9";
  try {
    connect(spec);
    FAIL() << "a wrong password was accepted";
  } catch (const AuthError& e) {
    EXPECT_EQ(e.sqlstate(), "28P01") << e.what();
    EXPECT_EQ(e.host(), spec.host.endpoint());
    EXPECT_FALSE(contains(e.what(), "wrong-secret-Xy9")) << e.what();
    EXPECT_FALSE(spec_.password.empty() && contains(e.what(), spec_.password));
    EXPECT_FALSE(contains(e.what(), "LOCATION")) << e.what();
    std::cout << "[ info ] " << e.what() << " (SQLSTATE " << e.sqlstate() << ")\n";
  }
  // A missing password is a login failure too.
  spec.password.clear();
  spec.native_options["passfile"] = "/nonexistent";
  EXPECT_THROW(connect(spec), AuthError);
}

TEST_F(PgDriverTest, UnknownDatabaseIsConnectErrorNotAuthError) {
  ConnectSpec spec = spec_;
  spec.database = "no_such_database_here";
  try {
    connect(spec);
    FAIL() << "connected to a database that does not exist";
  } catch (const AuthError& e) {
    FAIL() << "unknown database reported as login failure: " << e.what();
  } catch (const ConnectError& e) {
    EXPECT_EQ(e.sqlstate(), "3D000") << e.what();
    std::cout << "[ info ] " << e.what() << " (SQLSTATE " << e.sqlstate() << ")\n";
  }
}

TEST_F(PgDriverTest, NativeOptionsPassThroughAndBadOnesAreConfigErrors) {
  ConnectSpec spec = spec_;
  spec.native_options["application_name"] = "pgdriver-test";
  auto conn = connect(spec);
  EXPECT_EQ(run(*conn, "SELECT current_setting('application_name')").scalar<std::string>(),
            "pgdriver-test");

  spec.native_options["no_such_option"] = "1";
  try {
    connect(spec);
    FAIL() << "an unknown libpq option was accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.property(), "no_such_option");
    EXPECT_TRUE(contains(e.what(), "no_such_option")) << e.what();
  }
  spec.native_options.erase("no_such_option");
  spec.native_options["sslmode"] = "bogus";
  try {
    connect(spec);
    FAIL() << "an invalid sslmode was accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.property(), "sslmode");
    std::cout << "[ info ] " << e.what() << " (SQLSTATE " << e.sqlstate() << ")\n";
  }
}

// Ends the session of `victim` from a second connection.
void terminate_backend(TargetConnection& killer, std::int64_t pid) {
  Result r(killer.execute("SELECT pg_terminate_backend($1)", Params{pid}));
  ASSERT_TRUE(r.scalar<bool>());
  // pg_terminate_backend only signals; wait until the backend is gone.
  for (int i = 0; i < 100; ++i) {
    Result alive(
        killer.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", Params{pid}));
    if (alive.scalar<std::int64_t>() == 0) return;
    std::this_thread::sleep_for(milliseconds(20));
  }
  FAIL() << "backend " << pid << " did not exit";
}

TEST_F(PgDriverTest, TerminatedSessionIsConnectionLost) {
  auto conn = connect();
  auto killer = connect();
  terminate_backend(*killer, conn->server_session_id());
  try {
    run(*conn, "SELECT 1");
    FAIL() << "a terminated session answered";
  } catch (const ConnectionLostError& e) {
    EXPECT_EQ(e.host(), conn->host().endpoint());
    std::cout << "[ info ] " << e.what() << " (SQLSTATE " << e.sqlstate() << ")\n";
  }
  EXPECT_TRUE(conn->is_broken());
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kUnknown);
  EXPECT_THROW(run(*conn, "SELECT 1"), ConnectionLostError);
}

TEST_F(PgDriverTest, TerminatedDuringStatementIsConnectionLost) {
  auto conn = connect();
  auto killer = connect();
  const std::int64_t pid = conn->server_session_id();
  auto killing = std::async(std::launch::async, [&] {
    std::this_thread::sleep_for(milliseconds(300));
    Result(killer->execute("SELECT pg_terminate_backend($1)", Params{pid}));
  });
  EXPECT_THROW(run(*conn, "SELECT pg_sleep(30)"), ConnectionLostError);
  killing.get();
  EXPECT_TRUE(conn->is_broken());
}

TEST_F(PgDriverTest, CommitOnAKilledConnectionIsConnectionLostNotSuccess) {
  auto conn = connect();
  auto killer = connect();
  const std::string t = table("killed_commit");
  run(*killer, "DROP TABLE IF EXISTS " + t);
  run(*killer, "CREATE TABLE " + t + " (id int)");
  conn->begin();
  run(*conn, "INSERT INTO " + t + " VALUES (1)");
  terminate_backend(*killer, conn->server_session_id());
  EXPECT_THROW(conn->commit(), ConnectionLostError);
  EXPECT_EQ(run(*killer, "SELECT count(*) FROM " + t).scalar<std::int64_t>(), 0);

  // The same with autocommit off.
  auto second = connect();
  second->set_autocommit(false);
  run(*second, "INSERT INTO " + t + " VALUES (2)");
  terminate_backend(*killer, second->server_session_id());
  EXPECT_THROW(second->commit(), ConnectionLostError);
  EXPECT_EQ(run(*killer, "SELECT count(*) FROM " + t).scalar<std::int64_t>(), 0);
  run(*killer, "DROP TABLE " + t);
}

TEST_F(PgDriverTest, CloseIsFinal) {
  auto conn = connect();
  conn->close();
  EXPECT_TRUE(conn->is_broken());
  EXPECT_EQ(conn->transaction_status(), TransactionStatus::kUnknown);
  EXPECT_THROW(run(*conn, "SELECT 1"), ConnectionLostError);
  conn->close();  // idempotent
}

}  // namespace
}  // namespace awrap::pg
