// The `awrap` program against the lab's PostgreSQL server: rows as a table, errors with their
// class, help listing every property.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

#include "awrap/properties.hpp"
#include "support/test_env.hpp"

namespace awrap::internal {
namespace {

struct Output {
  int status;
  std::string text;
};

Output run(const std::string& args) {
  std::string cmd = std::string(AWRAP_CLI_PATH) + " " + args + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  std::string out;
  std::array<char, 4096> buf;
  while (std::size_t n = fread(buf.data(), 1, buf.size(), pipe.get())) out.append(buf.data(), n);
  int status = pclose(pipe.release());
  return {WEXITSTATUS(status), out};
}

TEST(Cli, QueryPrintsATable) {
  auto o =
      run("query '" + testing::pg_conninfo() + "' \"SELECT 1 AS one, NULL AS nothing, 'x' AS s\"");
  EXPECT_EQ(o.status, 0) << o.text;
  EXPECT_NE(o.text.find("one"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("NULL"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("(1 row)"), std::string::npos) << o.text;
}

TEST(Cli, ErrorsShowTheirClassAndNoPassword) {
  auto o = run("query 'postgresql://awrap:Wr0ng-Pa55@127.0.0.40/awrap' 'SELECT 1'");
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.text.find("AuthError [SQLSTATE 28P01]"), std::string::npos) << o.text;
  EXPECT_EQ(o.text.find("Wr0ng-Pa55"), std::string::npos) << o.text;
  o = run("query '" + testing::pg_conninfo() + "' 'SELECT 1/0'");
  EXPECT_NE(o.text.find("QueryError [SQLSTATE 22012]"), std::string::npos) << o.text;
  o = run("query '" + testing::pg_conninfo() + "' 'SELECT 1' --set failover_mode=sideways");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.text.find("ConfigError"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("failover_mode"), std::string::npos) << o.text;
}

TEST(Cli, HelpListsEveryProperty) {
  auto o = run("--help");
  EXPECT_EQ(o.status, 0);
  for (const auto& d : property_definitions())
    EXPECT_NE(o.text.find(std::string(d.name)), std::string::npos) << d.name;
}

}  // namespace
}  // namespace awrap::internal
