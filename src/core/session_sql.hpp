// Session state an application sets with SQL, read from the statements it runs, so that a
// failover can replay it on the new connection or say what it could not carry over.
//
//   session_effects("SET search_path TO app, public", SqlEngine::kPostgres)
//     -> {kSet, "search_path", "SET search_path TO app, public"}
//   session_effects("CREATE TEMP TABLE t(id int)", SqlEngine::kPostgres)
//     -> {kUntracked, "temporary_tables", "", "temporary tables"}
//   session_effects("SELECT 1", ...) -> {}
//
// Recognition is by the statement's text, after the server accepted it; pure (table-driven unit
// test: tests/data/session/session_statements.json). It recognises a fixed list of forms
// (docs/failover.md): state made any other way (a function that calls set_config, SELECT … INTO
// @var inside a procedure, …) is neither replayed nor named.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/sql_tokens.hpp"  // SqlEngine

namespace awrap::internal {

struct SessionEffect {
  enum class Kind {
    kSet,         // a setting to replay: `statement`, superseding earlier ones of the same `key`
    kReset,       // the setting or untracked state named `key` is back to its default
    kResetAll,    // PostgreSQL RESET ALL: every setting is back to its default
    kDiscardAll,  // PostgreSQL DISCARD ALL: settings and untracked state are gone
    kUntracked,   // state a failover cannot restore: `label` names it in the failover error
  };
  Kind kind;
  // kSet/kReset: the setting, lower case ("search_path", "timezone", "role", "schema"; several
  // joined by ',' for a MySQL SET of several variables); kUntracked: the kind of state.
  std::string key;
  std::string statement;  // kSet: one statement as the application wrote it (no ';')
  std::string label;      // kUntracked: e.g. "temporary tables", "SQL PREPARE"

  bool operator==(const SessionEffect&) const = default;
};

// A cheap first look run on every successful statement: false when `sql` certainly holds none of
// the forms session_effects() recognises (most statements), without tokenizing it.
bool may_change_session(std::string_view sql, SqlEngine engine) noexcept;

// What each statement in `sql` does to the session, in order (empty for most statements).
// A SET, USE or RESET whose text the scanner cannot follow is reported as kUntracked
// ("unrecognised SET/USE/RESET statements") rather than guessed at. SET LOCAL, SET TRANSACTION,
// SET GLOBAL, SET PASSWORD and SET STATEMENT … FOR change no session state to restore: nothing.
std::vector<SessionEffect> session_effects(std::string_view sql, SqlEngine engine);

// A cheap look (no tokenizing): false only when `sql` surely opens no transaction that outlives
// it, i.e. one statement (no ';' before more text) that does not start with BEGIN or START and
// starts with a word, not a comment.
bool may_open_transaction(std::string_view sql) noexcept;

// True for one statement that commits the open transaction: COMMIT [WORK|TRANSACTION] or END
// (not COMMIT PREPARED).
bool commits_transaction(std::string_view sql, SqlEngine engine);

}  // namespace awrap::internal
