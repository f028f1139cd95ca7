// What the MySQL/MariaDB target driver (Connector/C) does beyond the TargetDriver contract
// (tests/integration/driver_contract_test.cpp), against the lab's MariaDB 10.11 server: the text
// and binary protocols agreeing on every type, typed parameter binding, CALL, TLS, the cleartext
// plugin rule, LOCAL INFILE, and Connector/C's own options.
#include "driver/mysql/mysql_driver.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <string>
#include <thread>

#include "awrap/errors.hpp"
#include "awrap/params.hpp"
#include "awrap/result.hpp"
#include "support/eventually.hpp"
#include "support/server_activity.hpp"
#include "support/test_env.hpp"

namespace awrap::internal::mysql {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class MysqlDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spec_ = testing::connect_spec(testing::mariadb_conninfo());
    driver_ = make_mysql_driver();
    connection_ = driver_->connect(spec_);
  }

  std::unique_ptr<TargetConnection> connect_another() { return driver_->connect(spec_); }

  Result run(TargetConnection& connection, std::string_view sql, Params params = {}) {
    return Result(connection.execute(sql, params));
  }
  Result run(std::string_view sql, Params params = {}) {
    return run(*connection_, sql, std::move(params));
  }

  // A table private to the test (the server may be shared with other suites).
  std::string fresh_table(std::string_view columns) {
    const std::string name = std::string("mysqldriver_") +
                             ::testing::UnitTest::GetInstance()->current_test_info()->name();
    run("DROP TABLE IF EXISTS " + name);
    run("CREATE TABLE " + name + " (" + std::string(columns) + ") ENGINE=InnoDB");
    return name;
  }

  ConnectSpec spec_;
  std::unique_ptr<TargetDriver> driver_;
  std::unique_ptr<TargetConnection> connection_;
};

TEST_F(MysqlDriverTest, TypesAndNullsMatchBetweenTextAndBinaryProtocols) {
  const std::string table = fresh_table(
      "id INT PRIMARY KEY, i INT, big BIGINT, ubig BIGINT UNSIGNED, d DOUBLE, f FLOAT, "
      "dec_ DECIMAL(12,3), v VARCHAR(40), t TEXT, b BLOB, day DATE, dt DATETIME, dt6 DATETIME(6), "
      "tm TIME, flag BOOL, tiny TINYINT");
  run("INSERT INTO " + table +
      " VALUES (1, -42, 9223372036854775807, 18446744073709551615, 1.5, 0.25, -12345.678, 'héllo',"
      " REPEAT('x', 3000), x'00FF41', '2024-02-29', '2024-02-29 23:59:58', "
      "'2024-02-29 23:59:58.123456', '-838:59:59', TRUE, -128),"
      " (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
      "NULL)");
  const std::string select = "SELECT * FROM " + table + " WHERE id > ? ORDER BY id";
  Result text = run("SELECT * FROM " + table + " WHERE id > 0 ORDER BY id");
  Result binary = run(select, {0});
  ASSERT_EQ(text.size(), 2u);
  ASSERT_EQ(binary.size(), 2u);
  ASSERT_EQ(text.column_count(), binary.column_count());

  const Row row = binary[0];
  EXPECT_EQ(row["i"].as<std::int64_t>(), -42);
  EXPECT_EQ(row["big"].as<std::int64_t>(), INT64_MAX);
  EXPECT_EQ(row["ubig"].as<std::string>(), "18446744073709551615");
  EXPECT_DOUBLE_EQ(row["d"].as<double>(), 1.5);
  EXPECT_EQ(row["f"].as<std::string>(), "0.25");
  EXPECT_EQ(row["dec_"].as<std::string>(), "-12345.678");
  EXPECT_EQ(row["v"].as<std::string>(), "héllo");
  EXPECT_EQ(row["t"].as<std::string>(), std::string(3000, 'x'));
  EXPECT_EQ(row["b"].as<std::string>(), std::string("\0\xff"
                                                    "A",
                                                    3));
  EXPECT_EQ(row["day"].as<std::string>(), "2024-02-29");
  EXPECT_EQ(row["dt"].as<std::string>(), "2024-02-29 23:59:58");
  EXPECT_EQ(row["dt6"].as<std::string>(), "2024-02-29 23:59:58.123456");
  EXPECT_EQ(row["tm"].as<std::string>(), "-838:59:59");
  EXPECT_TRUE(row["flag"].as<bool>());
  EXPECT_EQ(row["tiny"].as<std::int32_t>(), -128);

  for (std::size_t r = 0; r < text.size(); ++r) {
    for (std::size_t c = 0; c < text.column_count(); ++c) {
      EXPECT_EQ(text.column_name(c), binary.column_name(c));
      EXPECT_EQ(text[r][c].is_null(), binary[r][c].is_null()) << text.column_name(c);
      EXPECT_EQ(text[r][c].text(), binary[r][c].text())
          << "row " << r << " column " << text.column_name(c);
    }
  }
  for (std::size_t c = 1; c < binary.column_count(); ++c)
    EXPECT_TRUE(binary[1][c].is_null()) << binary.column_name(c);
}

TEST_F(MysqlDriverTest, EveryColumnTypeReadsTheSameInBothProtocols) {
  const std::string table = fresh_table(
      "id INT PRIMARY KEY, si SMALLINT, mi MEDIUMINT UNSIGNED, ti TINYINT UNSIGNED, yr YEAR, "
      "d DOUBLE, f FLOAT, dec0 DECIMAL(30,0), bits BIT(12), e ENUM('a','b'), st SET('x','y'), "
      "j JSON, tm2 TIME(2), ts3 TIMESTAMP(3) NULL, c CHAR(3), vb VARBINARY(8), mt MEDIUMTEXT, "
      "lb LONGBLOB");
  const char* doubles[] = {"1e20", "1e-5",  "0.1",      "1/3e0", "123456789012345680000e0",
                           "1e15", "1e-16", "-2.5e-10", "0",     "1234567890123456.7"};
  const char* floats[] = {"0.33333334",  "1234567", "1.1", "3.4e38", "1e-15",
                          "0.000123456", "1e-5",    "1e7", "0",      "-7.25"};
  for (int i = 0; i < 10; ++i) {
    run("INSERT INTO " + table + " VALUES (" + std::to_string(i) +
        ", -32768, 16777215, 255, 2024, " + doubles[i] + ", " + floats[i] +
        ", 123456789012345678901234567890, b'101010101010', 'b', 'x,y', '{\"k\": [1, 2]}', "
        "'-12:34:56.78', '2038-01-19 03:14:07.499', 'ab', x'0001', REPEAT('m', 70000), "
        "REPEAT(x'FE', 100000))");
  }
  Result text = run("SELECT * FROM " + table + " ORDER BY id");
  Result binary = run("SELECT * FROM " + table + " WHERE id >= ? ORDER BY id", {0});
  ASSERT_EQ(text.size(), 10u);
  ASSERT_EQ(binary.size(), 10u);
  for (std::size_t r = 0; r < text.size(); ++r)
    for (std::size_t c = 0; c < text.column_count(); ++c)
      EXPECT_EQ(text[r][c].text(), binary[r][c].text())
          << "row " << r << " column " << text.column_name(c);
  EXPECT_EQ(binary[0]["mt"].text().size(), 70000u);
  EXPECT_EQ(binary[0]["lb"].text().size(), 100000u);
  // Expressions, whose types and precisions the server decides.
  const std::string expressions =
      "SELECT NOW(6) > '2000-01-01', CAST('2024-01-02 03:04:05.5' AS DATETIME(1)), "
      "CURDATE() > '2000-01-01', 1 + 1, 2.5 * 2, 1e300 * 10, SUM(id), AVG(id), "
      "GROUP_CONCAT(id ORDER BY id), MAX(d), MIN(f), CAST(-1 AS UNSIGNED), CAST(NULL AS INT) "
      "FROM " +
      table;
  Result text_expressions = run(expressions);
  Result binary_expressions = run(expressions + " WHERE id >= ?", {0});
  for (std::size_t c = 0; c < text_expressions.column_count(); ++c)
    EXPECT_EQ(text_expressions[0][c].text(), binary_expressions[0][c].text())
        << text_expressions.column_name(c);
}

TEST_F(MysqlDriverTest, ParametersBindByKind) {
  const std::string table =
      fresh_table("id INT PRIMARY KEY, flag BOOL, n BIGINT, x DOUBLE, s VARCHAR(20)");
  Result inserted = run("INSERT INTO " + table + " VALUES (?, ?, ?, ?, ?)",
                        {1, true, std::int64_t{-5000000000}, 2.5, "it's"});
  EXPECT_EQ(inserted.affected_rows(), 1);
  run("INSERT INTO " + table + " VALUES (?, ?, ?, ?, ?)",
      {2, false, nullptr, std::nullopt, std::string("b")});
  Result r = run("SELECT flag, n, x, s FROM " + table + " WHERE id = ? AND s = ?", {1, "it's"});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0][0].text(), "1");
  EXPECT_EQ(r[0][1].as<std::int64_t>(), -5000000000);
  EXPECT_DOUBLE_EQ(r[0][2].as<double>(), 2.5);
  EXPECT_EQ(r[0][3].as<std::string>(), "it's");
  Result second = run("SELECT flag, n, x FROM " + table + " WHERE id = ?", {2});
  EXPECT_FALSE(second[0][0].as<bool>());
  EXPECT_TRUE(second[0][1].is_null());
  EXPECT_TRUE(second[0][2].is_null());
  EXPECT_EQ(run("SELECT ? + 0", {std::uint64_t{18446744073709551615ull}}).scalar<std::string>(),
            "18446744073709551615");
  Result updated = run("UPDATE " + table + " SET s = ? WHERE id IN (?, ?)", {"z", 1, 2});
  EXPECT_EQ(updated.affected_rows(), 2);
  EXPECT_THROW(run("SELECT ?", {1, 2}), QueryError);
  EXPECT_FALSE(connection_->is_broken());
}

TEST_F(MysqlDriverTest, NamedPreparedStatements) {
  const std::string table = fresh_table("id INT PRIMARY KEY, s VARCHAR(20)");
  connection_->prepare("ins", "INSERT INTO " + table + " VALUES (?, ?)");
  connection_->prepare("get", "SELECT s FROM " + table + " WHERE id = ?");
  for (int i = 1; i <= 3; ++i) {
    Params params{i, "v" + std::to_string(i)};
    EXPECT_EQ(Result(connection_->execute_prepared("ins", params)).affected_rows(), 1);
  }
  for (int i = 1; i <= 3; ++i) {
    Params params{i};
    EXPECT_EQ(Result(connection_->execute_prepared("get", params)).scalar<std::string>(),
              "v" + std::to_string(i));
  }
  EXPECT_THROW(connection_->prepare("get", "SELECT 1"), QueryError);
  EXPECT_THROW(connection_->prepare("bad", "SELEC nonsense"), QueryError);
  connection_->deallocate("get");
  Params one{1};
  EXPECT_THROW(connection_->execute_prepared("get", one), QueryError);
  EXPECT_THROW(connection_->deallocate("get"), QueryError);
  connection_->prepare("get", "SELECT COUNT(*) FROM " + table);
  EXPECT_EQ(Result(connection_->execute_prepared("get", {})).scalar<std::int64_t>(), 3);
}

TEST_F(MysqlDriverTest, CallWithSeveralResultsKeepsTheSessionInSync) {
  run("DROP PROCEDURE IF EXISTS mysqldriver_two_results");
  run("CREATE PROCEDURE mysqldriver_two_results() BEGIN SELECT 1 AS a; SELECT 2 AS b; END");
  EXPECT_EQ(run("CALL mysqldriver_two_results()").scalar<std::int64_t>(), 1);
  EXPECT_EQ(run("SELECT 3").scalar<std::int64_t>(), 3);
  EXPECT_EQ(run("CALL mysqldriver_two_results()", {}).scalar<std::int64_t>(), 1);
  run("DROP PROCEDURE mysqldriver_two_results");
}

TEST(MysqlDriverConnect, UnknownNativeOptionIsAConfigErrorListingTheAcceptedNames) {
  ConnectSpec spec;
  spec.host.host = "127.0.0.1";
  spec.native_options["sslmode"] = "require";
  try {
    make_mysql_driver()->connect(spec);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.property(), "sslmode");
    EXPECT_NE(std::string(e.what()).find("'sslmode'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("ssl_ca"), std::string::npos) << e.what();
  }
  spec.native_options.clear();
  spec.native_options["ssl_mode"] = "SOMETIMES";
  EXPECT_THROW(make_mysql_driver()->connect(spec), ConfigError);
  spec.native_options.clear();
  spec.native_options["enable_cleartext_plugin"] = "perhaps";
  EXPECT_THROW(make_mysql_driver()->connect(spec), ConfigError);
}

TEST_F(MysqlDriverTest, NativeOptionsAreApplied) {
  ConnectSpec spec = spec_;
  spec.native_options["charset"] = "latin1";
  spec.native_options["connect_attrs"] = "program_name:awrap-test,purpose:options";
  spec.native_options["enable_cleartext_plugin"] = "true";
  auto connection = driver_->connect(spec);
  EXPECT_EQ(run(*connection, "SELECT @@character_set_client").scalar<std::string>(), "latin1");
}

TEST_F(MysqlDriverTest, RequiredTlsIsUsedOrRefusedNeverSilentlyPlain) {
  const bool server_has_tls = run("SELECT @@have_ssl").scalar<std::string>() == "YES";
  ConnectSpec spec = spec_;
  spec.native_options["ssl_mode"] = "REQUIRED";
  if (!server_has_tls) {
    EXPECT_THROW(driver_->connect(spec), ConnectError);
    std::printf("server without TLS: ssl_mode=REQUIRED refused, as it must be\n");
    return;
  }
  auto connection = driver_->connect(spec);
  Result cipher = run(*connection, "SHOW SESSION STATUS LIKE 'Ssl_cipher'");
  ASSERT_EQ(cipher.size(), 1u);
  EXPECT_FALSE(cipher[0][1].as<std::string>().empty());
  std::printf("TLS cipher: %s\n", cipher[0][1].as<std::string>().c_str());
  // The non-blocking paths work over TLS too: a prepared statement and a cancel.
  EXPECT_EQ(run(*connection, "SELECT ?", {7}).scalar<std::int64_t>(), 7);
  auto running = std::async(std::launch::async, [&] { run(*connection, "SELECT SLEEP(30)"); });
  // The cancel is sent while the server runs the statement (not before it arrived).
  const std::string sleeping = testing::statement_running_sql(
      /*postgres=*/false, connection->server_session_id(), "sleep");
  EXPECT_TRUE(testing::eventually([&] { return run(sleeping).scalar<std::int64_t>() == 1; },
                                  std::chrono::seconds(5), milliseconds(10)));
  connection->cancel();
  ASSERT_EQ(running.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_THROW(running.get(), QueryCancelledError);
  spec.native_options["ssl_mode"] = "VERIFY_IDENTITY";  // self-signed lab certificate: refused
  spec.native_options["ssl_ca"] = "/nonexistent/ca.pem";
  EXPECT_THROW(driver_->connect(spec), ConnectError);
}

// A server may ask for the password in clear text (PAM, IAM). Connector/C would send it; awrap
// only does when enable_cleartext_plugin is set. Needs the server's PAM plugin (skipped without).
TEST_F(MysqlDriverTest, CleartextAuthenticationOnlyWhenEnabled) {
  bool installed_here = false;
  if (run("SELECT COUNT(*) FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'pam'")
          .scalar<std::int64_t>() == 0) {
    try {
      run("INSTALL SONAME 'auth_pam'");
      installed_here = true;
    } catch (const QueryError& e) {
      GTEST_SKIP() << "server PAM plugin not available: " << e.what();
    }
  }
  run("CREATE OR REPLACE USER 'awrap_pam_probe'@'%' IDENTIFIED VIA pam USING "
      "'awrap-no-such-service'");
  ConnectSpec spec = spec_;
  spec.user = "awrap_pam_probe";
  spec.password = "pam-probe-Secret-9";
  int refused_by_client = 0;
  int refused_by_server = 0;
  try {
    driver_->connect(spec);
  } catch (const AuthError& e) {
    refused_by_client = e.native_code();
    EXPECT_EQ(std::string(e.what()).find(spec.password), std::string::npos);
  }
  spec.native_options["enable_cleartext_plugin"] = "true";
  try {
    driver_->connect(spec);
  } catch (const AuthError& e) {
    refused_by_server = e.native_code();
  }
  run("DROP USER 'awrap_pam_probe'@'%'");
  if (installed_here) run("UNINSTALL SONAME 'auth_pam'");
  EXPECT_EQ(refused_by_client, 5010);  // CR_PLUGIN_NOT_ALLOWED: the password never left
  EXPECT_EQ(refused_by_server, 1045);  // sent, and the (non-existent) PAM service said no
}

TEST_F(MysqlDriverTest, DeallocateOnAKilledSessionDoesNotThrow) {
  connection_->prepare("one", "SELECT ?");
  auto killer = connect_another();
  const std::string id = std::to_string(connection_->server_session_id());
  run(*killer, "KILL " + id);
  EXPECT_TRUE(testing::eventually(
      [&] {
        return run(*killer, "SELECT COUNT(*) FROM information_schema.processlist WHERE id = " + id)
                   .scalar<std::int64_t>() == 0;
      },
      std::chrono::seconds(5), milliseconds(10)))
      << "session " << id << " outlived its kill";
  Params params{1};
  EXPECT_THROW(connection_->execute_prepared("one", params), ConnectionLostError);
  connection_->deallocate("one");  // nothing left to free on the server
  connection_->close();
}

// read_consistency=session relies on it: after track_commit_position() every commit's answer
// carries the session's GTID (no extra round trip), in the text and the binary protocol alike.
TEST_F(MysqlDriverTest, TracksTheGtidOfEachCommitFromTheServersAnswers) {
  const std::string table = fresh_table("id INT PRIMARY KEY");
  EXPECT_EQ(connection_->commit_position(), "") << "reported before tracking was asked for";
  ASSERT_TRUE(connection_->track_commit_position());
  ASSERT_TRUE(connection_->track_commit_position());  // a second call changes nothing

  run("INSERT INTO " + table + " VALUES (1)");
  const std::string first = connection_->commit_position();
  EXPECT_FALSE(first.empty());
  EXPECT_EQ(run("SELECT @@last_gtid").scalar<std::string>(), first);

  run("SELECT count(*) FROM " + table);  // no commit: the position stays
  EXPECT_EQ(connection_->commit_position(), first);

  connection_->begin();
  run("INSERT INTO " + table + " VALUES (?)", {2});  // binary protocol
  EXPECT_EQ(connection_->commit_position(), first) << "moved before the commit";
  connection_->commit();
  const std::string second = connection_->commit_position();
  EXPECT_NE(second, first);
  EXPECT_EQ(run("SELECT @@last_gtid").scalar<std::string>(), second);

  run("INSERT INTO " + table + " VALUES (?)", {3});  // autocommit, binary protocol
  EXPECT_NE(connection_->commit_position(), second);
  EXPECT_EQ(run("SELECT @@last_gtid").scalar<std::string>(), connection_->commit_position());
}

TEST_F(MysqlDriverTest, LocalInfileIsRefused) {
  const std::string table = fresh_table("line TEXT");
  EXPECT_THROW(run("LOAD DATA LOCAL INFILE '/etc/hostname' INTO TABLE " + table), QueryError);
  EXPECT_EQ(run("SELECT COUNT(*) FROM " + table).scalar<std::int64_t>(), 0);
}

}  // namespace
}  // namespace awrap::internal::mysql
