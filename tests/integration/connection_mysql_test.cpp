// What the Connection API shows only on the mysql engine (mysql:// and mariadb:// URLs, MariaDB
// Connector/C) against the lab's MariaDB 10.11 server; the contract both engines keep is
// tests/integration/connection_contract_test.cpp.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "awrap/awrap.hpp"
#include "awrap/ext/target_driver.hpp"
#include "base/runtime.hpp"
#include "dialect/dialect.hpp"
#include "support/test_env.hpp"
#include "topology/topology_monitor.hpp"

namespace awrap::internal {
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

TEST_F(ConnectionMysql, TemporalAndBinaryValuesReadAsText) {
  auto c = open();
  Result r = c.execute("SELECT TIMESTAMP '2024-02-29 13:14:15.250' AS at, X'00FF' AS bytes");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0]["at"].as<std::string>(), "2024-02-29 13:14:15.250");
  EXPECT_EQ(r[0]["bytes"].as<std::string>(), std::string("\0\xff", 2));
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

TEST_F(ConnectionMysql, NativeOptionAndDialectErrorsNameTheValueAndWhatIsAccepted) {
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
  expect_config_error(url, {{"wrapper_dialect", "aurora-pg"}}, "multi-az-mysql");
  // Native options: a libpq name, a misspelling, a bad enumeration value, a bad boolean.
  expect_config_error(url, {{"sslmode", "require"}}, "sslmode");
  expect_config_error(url + "?ssl_mod=REQUIRED", {}, "ssl_mod");
  expect_config_error(url + "?ssl_mode=sometimes", {}, "VERIFY_IDENTITY");
  expect_config_error(url, {{"compress", "perhaps"}}, "on/off");
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
  auto connection = make_builtin_driver("mysql")->connect(spec);
  auto dialect = detect_dialect(*connection, "mysql");
  EXPECT_EQ(dialect->code(), "mariadb");
  EXPECT_TRUE(dialect->is_writer(*connection));
  EXPECT_FALSE(dialect->reports_topology());
  // The single server needs no topology monitor: the default cluster plugins step aside.
  auto c = open();
  EXPECT_EQ(c.execute("SELECT 1").scalar<int64_t>(), 1);
  EXPECT_EQ(live_topology_monitors(*internal::Runtime::process()), 0);
}

}  // namespace
}  // namespace awrap::internal
