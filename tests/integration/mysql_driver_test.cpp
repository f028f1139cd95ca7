// The MySQL/MariaDB driver against a real MariaDB server.
// Address: AWRAP_TEST_MARIADB_CONNINFO="mysql://user:password@host:port/database"
// (ctest sets it for the lab's single MariaDB; tests are skipped when it is unset).
#include "driver/mysql/mysql_driver.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "awrap/errors.hpp"
#include "awrap/params.hpp"
#include "awrap/result.hpp"

namespace awrap::mysql {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// mysql://user:password@host:port/database
std::optional<ConnectSpec> spec_from_environment() {
  const char* url = std::getenv("AWRAP_TEST_MARIADB_CONNINFO");
  if (url == nullptr || *url == '\0') return std::nullopt;
  std::string_view rest(url);
  const std::size_t scheme = rest.find("://");
  if (scheme == std::string_view::npos) return std::nullopt;
  rest.remove_prefix(scheme + 3);
  ConnectSpec spec;
  const std::size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view credentials = rest.substr(0, at);
    const std::size_t colon = credentials.find(':');
    spec.user = percent_decode(credentials.substr(0, colon));
    if (colon != std::string_view::npos)
      spec.password = percent_decode(credentials.substr(colon + 1));
    rest.remove_prefix(at + 1);
  }
  const std::size_t slash = rest.find('/');
  const std::string_view host_port = rest.substr(0, slash);
  if (slash != std::string_view::npos) spec.database = percent_decode(rest.substr(slash + 1));
  const std::size_t colon = host_port.rfind(':');
  spec.host.host = std::string(host_port.substr(0, colon));
  spec.host.port =
      colon == std::string_view::npos ? 3306 : std::stoi(std::string(host_port.substr(colon + 1)));
  spec.connect_timeout = milliseconds(5000);
  return spec;
}

long long elapsed_ms(Clock::time_point since) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - since).count();
}

class MysqlDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto spec = spec_from_environment();
    if (!spec) GTEST_SKIP() << "AWRAP_TEST_MARIADB_CONNINFO is not set";
    spec_ = *spec;
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

TEST_F(MysqlDriverTest, DriverIdentity) {
  EXPECT_EQ(driver_->engine(), "mysql");
  EXPECT_EQ(driver_->default_port(), 3306);
  EXPECT_GT(connection_->server_session_id(), 0);
  EXPECT_EQ(run("SELECT CONNECTION_ID()").scalar<std::int64_t>(), connection_->server_session_id());
  EXPECT_EQ(connection_->host().host, spec_.host.host);
  EXPECT_FALSE(connection_->is_broken());
  EXPECT_TRUE(connection_->autocommit());
  EXPECT_EQ(connection_->transaction_status(), TransactionStatus::kIdle);
}

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

TEST_F(MysqlDriverTest, Transactions) {
  const std::string table = fresh_table("id INT PRIMARY KEY");
  connection_->begin();
  EXPECT_EQ(connection_->transaction_status(), TransactionStatus::kInTransaction);
  run("INSERT INTO " + table + " VALUES (1)");
  connection_->rollback();
  EXPECT_EQ(connection_->transaction_status(), TransactionStatus::kIdle);
  EXPECT_EQ(run("SELECT COUNT(*) FROM " + table).scalar<std::int64_t>(), 0);

  connection_->begin();
  run("INSERT INTO " + table + " VALUES (2)");
  EXPECT_THROW(run("INSERT INTO " + table + " VALUES (2)"), QueryError);
  // MySQL keeps the transaction going after a failed statement.
  EXPECT_EQ(connection_->transaction_status(), TransactionStatus::kInTransaction);
  connection_->commit();
  EXPECT_EQ(connection_->transaction_status(), TransactionStatus::kIdle);
  auto other = connect_another();
  EXPECT_EQ(run(*other, "SELECT COUNT(*) FROM " + table).scalar<std::int64_t>(), 1);
}

TEST_F(MysqlDriverTest, AutocommitOffOpensTransactions) {
  const std::string table = fresh_table("id INT PRIMARY KEY");
  connection_->set_autocommit(false);
  EXPECT_FALSE(connection_->autocommit());
  run("INSERT INTO " + table + " VALUES (1)");
  EXPECT_EQ(connection_->transaction_status(), TransactionStatus::kInTransaction);
  auto other = connect_another();
  EXPECT_EQ(run(*other, "SELECT COUNT(*) FROM " + table).scalar<std::int64_t>(), 0);
  connection_->commit();
  EXPECT_EQ(run(*other, "SELECT COUNT(*) FROM " + table).scalar<std::int64_t>(), 1);
  connection_->set_autocommit(true);
  EXPECT_TRUE(connection_->autocommit());
  run("INSERT INTO " + table + " VALUES (2)");
  EXPECT_EQ(connection_->transaction_status(), TransactionStatus::kIdle);
  EXPECT_EQ(run(*other, "SELECT COUNT(*) FROM " + table).scalar<std::int64_t>(), 2);
}

TEST_F(MysqlDriverTest, ReadOnlyTransactionRejectsWrites) {
  const std::string table = fresh_table("id INT PRIMARY KEY");
  connection_->set_read_only(true);
  try {
    run("INSERT INTO " + table + " VALUES (1)");
    FAIL() << "write accepted in a read-only session";
  } catch (const ReadOnlyViolationError& e) {
    EXPECT_EQ(e.native_code(), 1792) << e.what();
    EXPECT_EQ(e.sqlstate(), "25006");
  }
  EXPECT_EQ(run("SELECT COUNT(*) FROM " + table).scalar<std::int64_t>(), 0);
  connection_->set_read_only(false);
  run("INSERT INTO " + table + " VALUES (1)");
  EXPECT_FALSE(connection_->is_broken());
}

TEST_F(MysqlDriverTest, IsolationLevels) {
  connection_->set_isolation_level(IsolationLevel::kSerializable);
  EXPECT_EQ(run("SELECT @@tx_isolation").scalar<std::string>(), "SERIALIZABLE");
  connection_->set_isolation_level(IsolationLevel::kReadCommitted);
  EXPECT_EQ(run("SELECT @@tx_isolation").scalar<std::string>(), "READ-COMMITTED");
  connection_->set_isolation_level(IsolationLevel::kDefault);
  EXPECT_EQ(run("SELECT @@tx_isolation").scalar<std::string>(),
            run("SELECT @@GLOBAL.tx_isolation").scalar<std::string>());
}

TEST_F(MysqlDriverTest, SyntaxErrorAndDuplicateKeyLeaveTheConnectionUsable) {
  try {
    run("SELEKT 1");
    FAIL();
  } catch (const QueryError& e) {
    EXPECT_EQ(e.native_code(), 1064);
    EXPECT_EQ(e.sqlstate(), "42000");
    EXPECT_FALSE(dynamic_cast<const QueryCancelledError*>(&e));
  }
  const std::string table = fresh_table("id INT PRIMARY KEY");
  run("INSERT INTO " + table + " VALUES (1)");
  for (bool prepared : {false, true}) {
    try {
      if (prepared)
        run("INSERT INTO " + table + " VALUES (?)", {1});
      else
        run("INSERT INTO " + table + " VALUES (1)");
      FAIL();
    } catch (const QueryError& e) {
      EXPECT_EQ(e.native_code(), 1062) << e.what();
      EXPECT_EQ(e.sqlstate(), "23000");
      EXPECT_FALSE(e.host().empty());
    }
  }
  EXPECT_FALSE(connection_->is_broken());
  EXPECT_EQ(run("SELECT 1").scalar<std::int64_t>(), 1);
}

TEST_F(MysqlDriverTest, CallWithSeveralResultsKeepsTheSessionInSync) {
  run("DROP PROCEDURE IF EXISTS mysqldriver_two_results");
  run("CREATE PROCEDURE mysqldriver_two_results() BEGIN SELECT 1 AS a; SELECT 2 AS b; END");
  EXPECT_EQ(run("CALL mysqldriver_two_results()").scalar<std::int64_t>(), 1);
  EXPECT_EQ(run("SELECT 3").scalar<std::int64_t>(), 3);
  EXPECT_EQ(run("CALL mysqldriver_two_results()", {}).scalar<std::int64_t>(), 1);
  run("DROP PROCEDURE mysqldriver_two_results");
}

TEST_F(MysqlDriverTest, CancelStopsARunningStatementFromAnotherThread) {
  for (bool prepared : {false, true}) {
    auto running = std::async(std::launch::async, [&] {
      if (prepared)
        run("SELECT SLEEP(?)", {30});
      else
        run("SELECT SLEEP(30)");
    });
    std::this_thread::sleep_for(milliseconds(300));
    const auto started = Clock::now();
    connection_->cancel();
    ASSERT_EQ(running.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    const long long took = elapsed_ms(started);
    try {
      running.get();
      FAIL() << "statement was not cancelled";
    } catch (const QueryCancelledError& e) {
      EXPECT_EQ(e.native_code(), 1317);
    }
    EXPECT_LT(took, 1000);
    std::printf("cancel (%s) to QueryCancelledError: %lld ms\n", prepared ? "prepared" : "text",
                took);
    EXPECT_FALSE(connection_->is_broken());
    EXPECT_EQ(run("SELECT 1").scalar<std::int64_t>(), 1);
  }
}

TEST_F(MysqlDriverTest, CancelWhileIdleDoesNotHitTheNextStatement) {
  connection_->cancel();
  EXPECT_EQ(run("SELECT SLEEP(0.2)").scalar<std::int64_t>(), 0);
  EXPECT_EQ(run("SELECT ?", {5}).scalar<std::int64_t>(), 5);
}

TEST_F(MysqlDriverTest, AbortUnblocksACallFromAnotherThread) {
  auto running = std::async(std::launch::async, [&] { run("SELECT SLEEP(30)"); });
  std::this_thread::sleep_for(milliseconds(300));
  const auto started = Clock::now();
  connection_->abort();
  ASSERT_EQ(running.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  const long long took = elapsed_ms(started);
  EXPECT_THROW(running.get(), ConnectionLostError);
  EXPECT_LT(took, 500);
  std::printf("abort to ConnectionLostError: %lld ms\n", took);
  EXPECT_TRUE(connection_->is_broken());
  EXPECT_EQ(connection_->transaction_status(), TransactionStatus::kUnknown);
  EXPECT_THROW(run("SELECT 1"), ConnectionLostError);
  connection_->close();
  connection_->abort();  // after close: must not touch a reused descriptor
}

TEST_F(MysqlDriverTest, SocketTimeoutBreaksTheConnection) {
  ConnectSpec spec = spec_;
  spec.socket_timeout = milliseconds(300);
  auto connection = driver_->connect(spec);
  EXPECT_EQ(run(*connection, "SELECT SLEEP(0.05)").scalar<std::int64_t>(), 0);
  for (bool prepared : {false, true}) {
    auto victim = prepared ? driver_->connect(spec) : std::move(connection);
    const auto started = Clock::now();
    try {
      if (prepared)
        run(*victim, "SELECT SLEEP(?)", {5});
      else
        run(*victim, "SELECT SLEEP(5)");
      FAIL() << "no timeout";
    } catch (const ConnectionLostError& e) {
      EXPECT_NE(std::string(e.what()).find("socket_timeout"), std::string::npos) << e.what();
    }
    const long long took = elapsed_ms(started);
    std::printf("socket_timeout 300 ms (%s) fired after %lld ms\n", prepared ? "prepared" : "text",
                took);
    EXPECT_GE(took, 290);
    EXPECT_LT(took, 1000);
    EXPECT_TRUE(victim->is_broken());
    victim->close();
  }
}

// A listener that completes TCP handshakes (the kernel does) but never accepts or answers.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = 0;
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd_, 16) != 0)
      throw std::runtime_error("cannot listen");
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(MysqlDriverConnect, DeadlineOnASilentServerIsRespected) {
  SilentListener listener;
  ConnectSpec spec;
  spec.host.host = "127.0.0.1";
  spec.host.port = listener.port();
  spec.user = "nobody";
  spec.password = "x";
  spec.connect_timeout = milliseconds(300);
  auto driver = make_mysql_driver();
  const auto started = Clock::now();
  try {
    driver->connect(spec);
    FAIL() << "connected to a silent listener";
  } catch (const AuthError& e) {
    FAIL() << "not an auth failure: " << e.what();
  } catch (const ConnectError& e) {
    EXPECT_NE(std::string(e.what()).find("connect_timeout"), std::string::npos) << e.what();
  }
  const long long took = elapsed_ms(started);
  std::printf("connect_timeout 300 ms on a silent listener: gave up after %lld ms\n", took);
  EXPECT_GE(took, 290);
  EXPECT_LT(took, 500);
}

TEST(MysqlDriverConnect, RefusedPortIsAConnectError) {
  SilentListener listener;  // find a free port, then close it
  int port = 0;
  {
    SilentListener probe;
    port = probe.port();
  }
  ConnectSpec spec;
  spec.host.host = "127.0.0.1";
  spec.host.port = port;
  spec.connect_timeout = milliseconds(1000);
  EXPECT_THROW(make_mysql_driver()->connect(spec), ConnectError);
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
  std::this_thread::sleep_for(milliseconds(300));
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

TEST_F(MysqlDriverTest, LoginFailureIsAnAuthErrorWithoutThePassword) {
  ConnectSpec spec = spec_;
  spec.password = "wrong-secret-Xy7";
  try {
    driver_->connect(spec);
    FAIL() << "login accepted";
  } catch (const AuthError& e) {
    EXPECT_EQ(e.native_code(), 1045);
    EXPECT_EQ(std::string(e.what()).find("wrong-secret-Xy7"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find(spec_.password), std::string::npos) << e.what();
  }
}

TEST_F(MysqlDriverTest, SessionKilledFromAnotherConnectionIsConnectionLost) {
  auto killer = connect_another();
  run(*killer, "KILL " + std::to_string(connection_->server_session_id()));
  std::this_thread::sleep_for(milliseconds(100));
  try {
    run("SELECT 1");
    FAIL() << "a killed session answered";
  } catch (const ConnectionLostError& e) {
    std::printf("killed session: %s\n", e.what());
  }
  EXPECT_TRUE(connection_->is_broken());
  EXPECT_EQ(connection_->transaction_status(), TransactionStatus::kUnknown);
}

TEST_F(MysqlDriverTest, KilledSessionFailsPreparedStatementsAndClosesCleanly) {
  connection_->prepare("one", "SELECT ?");
  auto killer = connect_another();
  run(*killer, "KILL " + std::to_string(connection_->server_session_id()));
  std::this_thread::sleep_for(milliseconds(100));
  Params params{1};
  EXPECT_THROW(connection_->execute_prepared("one", params), ConnectionLostError);
  EXPECT_THROW(run("SELECT ?", {1}), ConnectionLostError);
  EXPECT_TRUE(connection_->is_broken());
  connection_->deallocate("one");
  connection_->close();
}

TEST_F(MysqlDriverTest, LocalInfileIsRefused) {
  const std::string table = fresh_table("line TEXT");
  EXPECT_THROW(run("LOAD DATA LOCAL INFILE '/etc/hostname' INTO TABLE " + table), QueryError);
  EXPECT_EQ(run("SELECT COUNT(*) FROM " + table).scalar<std::int64_t>(), 0);
}

TEST_F(MysqlDriverTest, CommitOnAKilledSessionIsConnectionLostNeverSuccess) {
  const std::string table = fresh_table("id INT PRIMARY KEY");
  connection_->begin();
  run("INSERT INTO " + table + " VALUES (1)");
  auto killer = connect_another();
  run(*killer, "KILL " + std::to_string(connection_->server_session_id()));
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_THROW(connection_->commit(), ConnectionLostError);
  EXPECT_TRUE(connection_->is_broken());
  EXPECT_EQ(run(*killer, "SELECT COUNT(*) FROM " + table).scalar<std::int64_t>(), 0);
}

TEST_F(MysqlDriverTest, ResultsOutliveTheConnection) {
  Result r = run("SELECT 'kept' AS word, NULL AS nothing");
  connection_->close();
  EXPECT_TRUE(connection_->is_broken());
  EXPECT_EQ(r[0]["word"].as<std::string>(), "kept");
  EXPECT_TRUE(r[0]["nothing"].is_null());
  EXPECT_THROW(run("SELECT 1"), ConnectionLostError);
  connection_->close();  // twice is fine
}

}  // namespace
}  // namespace awrap::mysql
