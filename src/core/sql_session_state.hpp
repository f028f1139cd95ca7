// The session state an application set with SQL on the current connection, as a list of
// statements to replay on a new one, plus what cannot be replayed. Fed with session_effects()
// (session_sql.hpp) of the statements the server accepted; pure (unit-tested in
// tests/unit/session_sql_test.cpp).
#pragma once

#include <string>
#include <vector>

#include "core/session_sql.hpp"

namespace awrap::internal {

class SqlSessionState {
 public:
  struct Setting {
    std::string key;        // lower case, several joined by ','
    std::string statement;  // to replay, as the application wrote it
  };

  // Applies one effect: a kSet supersedes earlier settings of the same key (order is kept
  // otherwise, so that replaying in order gives the same result); a kReset drops them (and is
  // kept as a statement to replay only when an earlier SET of several settings includes it).
  void apply(const SessionEffect& effect);

  // The statements to replay on a new connection, in order.
  const std::vector<Setting>& settings() const noexcept { return settings_; }
  // Labels of the state a new connection cannot have ("temporary tables", …), first seen first.
  std::vector<std::string> untracked() const;

  // After a replay: keep only the settings that took (by index into settings()), and forget the
  // untracked state, which went with the old connection.
  void keep_after_replay(const std::vector<bool>& replayed);

 private:
  std::vector<Setting> settings_;
  std::vector<std::pair<std::string, std::string>> untracked_;  // key, label
};

}  // namespace awrap::internal
