// What the PostgreSQL target driver (libpq) does beyond the TargetDriver contract
// (tests/integration/driver_contract_test.cpp), against the lab's PostgreSQL 15 server: its
// types, simple-query and COPY behaviour, server notices, and libpq's own options.
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <string>

#include "awrap/errors.hpp"
#include "awrap/result.hpp"
#include "driver/pg/pg_driver.hpp"
#include "support/test_env.hpp"

namespace awrap::internal::pg {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class PgDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spec_ = testing::connect_spec(testing::pg_conninfo());
    driver_ = make_pg_driver();
  }

  std::unique_ptr<TargetConnection> connect() { return driver_->connect(spec_); }
  std::unique_ptr<TargetConnection> connect(const ConnectSpec& spec) {
    return driver_->connect(spec);
  }

  static Result run(TargetConnection& conn, std::string_view sql, const Params& params = {}) {
    return Result(conn.execute(sql, params));
  }

  ConnectSpec spec_;
  std::unique_ptr<TargetDriver> driver_;
};

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

// PostgreSQL reports no commit position in its protocol: read_consistency=session asks the
// writer for it instead.
TEST_F(PgDriverTest, ReportsNoCommitPosition) {
  auto conn = connect();
  EXPECT_FALSE(conn->track_commit_position());
  run(*conn, "SELECT 1");
  EXPECT_EQ(conn->commit_position(), "");
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

TEST_F(PgDriverTest, AMissingPasswordIsAnAuthError) {
  ConnectSpec spec = spec_;
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

}  // namespace
}  // namespace awrap::internal::pg
