// What awrap records from the SQL an application runs, to replay after a failover or name in the
// failover error (src/core/session_sql.hpp, src/core/sql_session_state.hpp), from the table
// tests/data/session/session_statements.json. Adding a case is adding a row to the file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "core/session_sql.hpp"
#include "core/sql_session_state.hpp"
#include "support/test_data.hpp"

namespace awrap::internal {
namespace {

nlohmann::json load_table() {
  return testing::load_test_json("session/session_statements.json");
}

SqlEngine engine_of(const nlohmann::json& row) {
  return row.value("engine", "postgres") == "mysql" ? SqlEngine::kMysql : SqlEngine::kPostgres;
}

const char* kind_name(SessionEffect::Kind kind) {
  switch (kind) {
    case SessionEffect::Kind::kSet:
      return "set";
    case SessionEffect::Kind::kReset:
      return "reset";
    case SessionEffect::Kind::kResetAll:
      return "reset_all";
    case SessionEffect::Kind::kDiscardAll:
      return "discard_all";
    case SessionEffect::Kind::kUntracked:
      return "untracked";
  }
  return "?";
}

TEST(SessionSql, EveryStatementOfTheTableHasItsEffects) {
  const nlohmann::json table = load_table();
  ASSERT_GE(table.at("statements").size(), 60u);
  for (const auto& row : table.at("statements")) {
    SCOPED_TRACE(row.at("name").get<std::string>());
    const std::string sql = row.at("sql");
    const auto effects = session_effects(sql, engine_of(row));
    const auto& expected = row.at("effects");
    ASSERT_EQ(effects.size(), expected.size());
    for (std::size_t i = 0; i < effects.size(); ++i) {
      EXPECT_EQ(kind_name(effects[i].kind), expected[i].at("kind").get<std::string>());
      EXPECT_EQ(effects[i].key, expected[i].value("key", ""));
      EXPECT_EQ(effects[i].label, expected[i].value("label", ""));
      if (effects[i].kind == SessionEffect::Kind::kSet) {
        EXPECT_EQ(effects[i].statement, expected[i].value("statement", sql));
      }
    }
    // The cheap first look never rules out a statement that has effects.
    if (!effects.empty()) {
      EXPECT_TRUE(may_change_session(sql, engine_of(row)));
    }
  }
}

TEST(SessionSql, EverySequenceOfTheTableReplaysAndNames) {
  const nlohmann::json table = load_table();
  for (const auto& row : table.at("sequences")) {
    SCOPED_TRACE(row.at("name").get<std::string>());
    SqlSessionState state;
    for (const auto& statement : row.at("statements"))
      for (const auto& effect : session_effects(statement.get<std::string>(), engine_of(row)))
        state.apply(effect);
    std::vector<std::string> replay;
    for (const auto& setting : state.settings()) replay.push_back(setting.statement);
    EXPECT_EQ(replay, row.at("replay").get<std::vector<std::string>>());
    EXPECT_EQ(state.untracked(), row.at("untracked").get<std::vector<std::string>>());
  }
}

TEST(SessionSql, TheFirstLookPassesOverOrdinaryStatements) {
  for (const char* sql : {"SELECT * FROM accounts WHERE id = $1", "INSERT INTO t VALUES (1)",
                          "UPDATE t SET a = 1 WHERE b = 2", "BEGIN", "COMMIT", "SELECT 1;"})
    EXPECT_FALSE(may_change_session(sql, SqlEngine::kPostgres)) << sql;
  EXPECT_FALSE(may_change_session("SELECT a FROM t", SqlEngine::kMysql));
  EXPECT_TRUE(may_change_session("SELECT @x := 1", SqlEngine::kMysql));
  EXPECT_TRUE(may_change_session("SELECT 1; SET search_path TO a", SqlEngine::kPostgres));
  EXPECT_TRUE(may_change_session("  set role r", SqlEngine::kPostgres));
}

TEST(SessionSql, ReplayKeepsOnlyWhatTookAndForgetsTheLostState) {
  SqlSessionState state;
  for (const char* sql : {"SET search_path TO a", "SET ROLE missing", "CREATE TEMP TABLE x(i int)"})
    for (const auto& effect : session_effects(sql, SqlEngine::kPostgres)) state.apply(effect);
  state.keep_after_replay({true, false});
  ASSERT_EQ(state.settings().size(), 1u);
  EXPECT_EQ(state.settings()[0].key, "search_path");
  EXPECT_TRUE(state.untracked().empty()) << "the temporary table went with the old connection";
}

TEST(SessionSql, CommitsTransaction) {
  const auto pg = SqlEngine::kPostgres;
  EXPECT_TRUE(commits_transaction("COMMIT", pg));
  EXPECT_TRUE(commits_transaction("commit work;", pg));
  EXPECT_TRUE(commits_transaction("END", pg));
  EXPECT_FALSE(commits_transaction("COMMIT PREPARED 'x'", pg));
  EXPECT_FALSE(commits_transaction("ROLLBACK", pg));
  EXPECT_FALSE(commits_transaction("COMMIT; BEGIN", pg));
}

}  // namespace
}  // namespace awrap::internal
