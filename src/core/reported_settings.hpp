// Settings the server reported for a session (PostgreSQL ParameterStatus, MySQL session
// tracking), and which of them a failover must give the new session. This catches what the
// statement record (sql_session_state.hpp) cannot see: a function or procedure that changes a
// reported setting. Pure (tests/unit/reported_settings_test.cpp).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "awrap/params.hpp"
#include "base/sql_tokens.hpp"  // SqlEngine

namespace awrap::internal {

using SettingValues = std::vector<std::pair<std::string, std::string>>;  // name, value

// The settings to give a new session, in the order of `committed`: those the old session changed
// (its last value outside a transaction, `committed`, differs from what the first login reported,
// `at_login`, or the login did not report it) and that the new session does not already report
// with that value (`on_new`, read after the statement record was replayed).
SettingValues settings_to_restore(const SettingValues& at_login, const SettingValues& committed,
                                  const SettingValues& on_new);

// The statement that gives a session one setting: the value is its parameter ($1/?); on MySQL
// the name is part of the text. Empty when the name is not a plain identifier (never sent).
std::string restore_setting_statement(SqlEngine engine, std::string_view name);
// The parameters for restore_setting_statement's statement.
std::vector<Param> restore_setting_parameters(SqlEngine engine, std::string_view name,
                                              std::string_view value);

}  // namespace awrap::internal
