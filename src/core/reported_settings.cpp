#include "core/reported_settings.hpp"

#include <algorithm>

namespace awrap::internal {
namespace {

const std::string* find_value(const SettingValues& values, std::string_view name) {
  auto it = std::find_if(values.begin(), values.end(),
                         [&](const auto& entry) { return entry.first == name; });
  return it == values.end() ? nullptr : &it->second;
}

bool plain_identifier(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

SettingValues settings_to_restore(const SettingValues& at_login, const SettingValues& committed,
                                  const SettingValues& on_new) {
  SettingValues restore;
  for (const auto& [name, value] : committed) {
    const std::string* login = find_value(at_login, name);
    if (login != nullptr && *login == value) continue;  // the session never changed it
    const std::string* now = find_value(on_new, name);
    if (now != nullptr && *now == value) continue;  // the new session has it already
    restore.emplace_back(name, value);
  }
  return restore;
}

std::string restore_setting_statement(SqlEngine engine, std::string_view name) {
  if (!plain_identifier(name)) return {};
  if (engine == SqlEngine::kPostgres) return "SELECT pg_catalog.set_config($1, $2, false)";
  return "SET SESSION " + std::string(name) + " = ?";
}

std::vector<Param> restore_setting_parameters(SqlEngine engine, std::string_view name,
                                              std::string_view value) {
  if (engine == SqlEngine::kPostgres) return {Param(name), Param(value)};
  return {Param(value)};
}

}  // namespace awrap::internal
