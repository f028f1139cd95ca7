// Which server-reported settings a failover gives the new session (core/reported_settings.hpp).
#include "core/reported_settings.hpp"
#include "core/session_sql.hpp"

#include <gtest/gtest.h>

namespace awrap::internal {
namespace {

struct Case {
  const char* name;
  SettingValues at_login;
  SettingValues committed;
  SettingValues on_new;
  SettingValues expected;
};

class SettingsToRestore : public ::testing::TestWithParam<Case> {};

TEST_P(SettingsToRestore, RestoresWhatTheSessionChangedAndTheNewSessionLacks) {
  const Case& c = GetParam();
  EXPECT_EQ(settings_to_restore(c.at_login, c.committed, c.on_new), c.expected);
}

const Case kCases[] = {
    {"unchanged_settings_are_left_to_the_new_server",
     {{"TimeZone", "UTC"}, {"DateStyle", "ISO, MDY"}},
     {{"TimeZone", "UTC"}, {"DateStyle", "ISO, MDY"}},
     {{"TimeZone", "Asia/Tokyo"}, {"DateStyle", "ISO, MDY"}},
     {}},
    {"a_changed_setting_is_restored",
     {{"TimeZone", "UTC"}, {"DateStyle", "ISO, MDY"}},
     {{"TimeZone", "UTC"}, {"DateStyle", "SQL, DMY"}},
     {{"TimeZone", "UTC"}, {"DateStyle", "ISO, MDY"}},
     {{"DateStyle", "SQL, DMY"}}},
    {"a_setting_the_replay_already_restored_is_not_sent_again",
     {{"TimeZone", "UTC"}},
     {{"TimeZone", "Asia/Tokyo"}},
     {{"TimeZone", "Asia/Tokyo"}},
     {}},
    {"the_last_report_wins_over_what_the_replay_set",
     {{"TimeZone", "UTC"}},
     {{"TimeZone", "America/New_York"}},
     {{"TimeZone", "Asia/Tokyo"}},
     {{"TimeZone", "America/New_York"}}},
    {"mysql_reports_only_changes_so_every_reported_variable_counts",
     {},
     {{"time_zone", "+05:00"}, {"character_set_results", "latin1"}},
     {},
     {{"time_zone", "+05:00"}, {"character_set_results", "latin1"}}},
    {"nothing_reported_nothing_restored", {}, {}, {}, {}},
};

INSTANTIATE_TEST_SUITE_P(Table, SettingsToRestore, ::testing::ValuesIn(kCases),
                         [](const auto& test) { return std::string(test.param.name); });

TEST(RestoreSettingStatement, PostgresPassesNameAndValueAsParameters) {
  EXPECT_EQ(restore_setting_statement(SqlEngine::kPostgres, "TimeZone"),
            "SELECT pg_catalog.set_config($1, $2, false)");
  const auto params = restore_setting_parameters(SqlEngine::kPostgres, "TimeZone", "x'; DROP");
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].text(), "TimeZone");
  EXPECT_EQ(params[1].text(), "x'; DROP");
}

TEST(RestoreSettingStatement, MysqlNamesThePlainIdentifierAndBindsTheValue) {
  EXPECT_EQ(restore_setting_statement(SqlEngine::kMysql, "time_zone"), "SET SESSION time_zone = ?");
  const auto params = restore_setting_parameters(SqlEngine::kMysql, "time_zone", "+05:00");
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].text(), "+05:00");
}

TEST(RestoreSettingStatement, ANameThatIsNotAPlainIdentifierIsNeverSent) {
  EXPECT_EQ(restore_setting_statement(SqlEngine::kMysql, "time_zone = 0; DROP TABLE t; --"), "");
  EXPECT_EQ(restore_setting_statement(SqlEngine::kPostgres, ""), "");
}

// Where a PostgreSQL transaction may start, awrap keeps the reported settings first.
TEST(MayOpenTransaction, OnlyOneStatementNotStartingWithBeginOrStartIsSurelyNot) {
  EXPECT_FALSE(may_open_transaction("SELECT now()"));
  EXPECT_FALSE(may_open_transaction("  select f();  "));
  EXPECT_FALSE(may_open_transaction(""));
  EXPECT_TRUE(may_open_transaction("BEGIN"));
  EXPECT_TRUE(may_open_transaction("begin isolation level serializable"));
  EXPECT_TRUE(may_open_transaction("START TRANSACTION"));
  EXPECT_TRUE(may_open_transaction("SELECT 1; BEGIN"));
  EXPECT_TRUE(may_open_transaction("/* x */ BEGIN"));
  EXPECT_TRUE(may_open_transaction("-- x\nBEGIN"));
}

}  // namespace
}  // namespace awrap::internal
