#include "core/conninfo.hpp"

#include <gtest/gtest.h>

#include "awrap/errors.hpp"

namespace awrap::internal {
namespace {

TEST(ConnInfo, PostgresUrlWithEverything) {
  auto c = parse_conninfo(
      "postgresql://app:s%40cret@db1.example.com:5433,db2:5434/"
      "mydb?sslmode=require&wrapper_plugins=dev");
  EXPECT_EQ(c.engine, "pg");
  ASSERT_EQ(c.hosts.size(), 2u);
  EXPECT_EQ(c.hosts[0].host, "db1.example.com");
  EXPECT_EQ(c.hosts[0].port, 5433);
  EXPECT_EQ(c.hosts[1].host, "db2");
  EXPECT_EQ(c.hosts[1].port, 5434);
  EXPECT_EQ(c.options.at("user"), "app");
  EXPECT_EQ(c.options.at("password"), "s@cret");
  EXPECT_EQ(c.options.at("dbname"), "mydb");
  EXPECT_EQ(c.options.at("sslmode"), "require");
  EXPECT_EQ(c.options.at("wrapper_plugins"), "dev");
}

TEST(ConnInfo, SchemesPickTheEngine) {
  EXPECT_EQ(parse_conninfo("postgres://h/db").engine, "pg");
  EXPECT_EQ(parse_conninfo("POSTGRESQL://h/db").engine, "pg");
  EXPECT_EQ(parse_conninfo("mysql://u@h:3306/db").engine, "mysql");
  EXPECT_EQ(parse_conninfo("mariadb://u@h/db").engine, "mysql");
  EXPECT_EQ(parse_conninfo("host=h dbname=x").engine, "pg");
  EXPECT_THROW(parse_conninfo("oracle://h/db"), ConfigError);
}

TEST(ConnInfo, Ipv6AndHostParameter) {
  auto c = parse_conninfo("postgresql://[::1]:6543/db");
  ASSERT_EQ(c.hosts.size(), 1u);
  EXPECT_EQ(c.hosts[0].host, "::1");
  EXPECT_EQ(c.hosts[0].port, 6543);
  EXPECT_EQ(c.hosts[0].endpoint(), "[::1]:6543");
  auto d = parse_conninfo("postgresql:///db?host=a,b&port=1,2");
  ASSERT_EQ(d.hosts.size(), 2u);
  EXPECT_EQ(d.hosts[1].host, "b");
  EXPECT_EQ(d.hosts[1].port, 2);
}

TEST(ConnInfo, KeywordFormWithListsAndQuotes) {
  auto c = parse_conninfo(
      "host=a,b,c port=5432 user=app password='it\\'s secret' dbname = 'my db' sslmode=disable");
  ASSERT_EQ(c.hosts.size(), 3u);
  for (const auto& h : c.hosts) EXPECT_EQ(h.port, 5432);
  EXPECT_EQ(c.options.at("password"), "it's secret");
  EXPECT_EQ(c.options.at("dbname"), "my db");
  EXPECT_EQ(c.options.at("sslmode"), "disable");
  auto d = parse_conninfo("host=a,b port=1,2");
  EXPECT_EQ(d.hosts[0].port, 1);
  EXPECT_EQ(d.hosts[1].port, 2);
}

TEST(ConnInfo, BadInputNamesTheProblemAndHidesPasswords) {
  EXPECT_THROW(parse_conninfo("host=a,b,c port=1,2"), ConfigError);
  EXPECT_THROW(parse_conninfo("host=a port=99999"), ConfigError);
  EXPECT_THROW(parse_conninfo("host=a port=abc"), ConfigError);
  EXPECT_THROW(parse_conninfo("host"), ConfigError);
  EXPECT_THROW(parse_conninfo("password='unterminated"), ConfigError);
  EXPECT_THROW(parse_conninfo("postgresql://h:0/db"), ConfigError);
  EXPECT_THROW(parse_conninfo("postgresql://h/db?x=%zz"), ConfigError);
  EXPECT_THROW(parse_conninfo("postgresql://a,,b/db"), ConfigError);
  try {
    parse_conninfo("postgresql://u:hunter2@h:notaport/db");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("notaport"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace awrap::internal
