#include "core/session_sql.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <initializer_list>
#include <optional>
#include <span>

#include "base/sql_tokens.hpp"

namespace awrap::internal {
namespace {

char upper(char c) {
  return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
}
std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// One statement: its tokens and its text.
struct Statement {
  std::span<const SqlToken> tokens;
  std::string_view text;

  std::string_view word(std::size_t k) const {
    return k < tokens.size() && tokens[k].kind == SqlTokenKind::kWord
               ? std::string_view(tokens[k].text)
               : std::string_view();
  }
  bool symbol(std::size_t k, char c) const {
    return k < tokens.size() && tokens[k].kind == SqlTokenKind::kSymbol && tokens[k].text[0] == c;
  }
  bool has_word_between(std::size_t from, std::size_t to,
                        std::initializer_list<std::string_view> words) const {
    for (std::size_t k = from; k < to && k < tokens.size(); ++k)
      if (std::find(words.begin(), words.end(), word(k)) != words.end()) return true;
    return false;
  }
  // Whether the statement calls one of `functions` (a word followed by '(').
  bool calls(std::initializer_list<std::string_view> functions) const {
    for (std::size_t k = 0; k + 1 < tokens.size(); ++k)
      if (symbol(k + 1, '(') &&
          std::find(functions.begin(), functions.end(), word(k)) != functions.end())
        return true;
    return false;
  }
};

std::vector<Statement> split_statements(std::string_view sql, const std::vector<SqlToken>& tokens) {
  std::vector<Statement> out;
  std::size_t first = 0;
  auto flush = [&](std::size_t end) {
    if (end > first) {
      std::span<const SqlToken> span(tokens.data() + first, end - first);
      out.push_back({span, sql.substr(span.front().begin, span.back().end - span.front().begin)});
    }
    first = end + 1;
  };
  for (std::size_t k = 0; k < tokens.size(); ++k)
    if (tokens[k].kind == SqlTokenKind::kSymbol && tokens[k].text[0] == ';') flush(k);
  flush(tokens.size());
  return out;
}

SessionEffect set(std::string key, std::string_view statement) {
  return {SessionEffect::Kind::kSet, std::move(key), std::string(statement), {}};
}
SessionEffect reset(std::string key) {
  return {SessionEffect::Kind::kReset, std::move(key), {}, {}};
}
SessionEffect untracked(std::string key, std::string label) {
  return {SessionEffect::Kind::kUntracked, std::move(key), {}, std::move(label)};
}
SessionEffect unrecognised() {
  return untracked("unrecognised", "unrecognised SET/USE/RESET statements");
}

constexpr std::string_view kTemporaryTables = "temporary_tables";
constexpr std::string_view kSqlPrepare = "sql_prepare";

// The settings SET SESSION CHARACTERISTICS / SET SESSION TRANSACTION changes, from its words.
std::string transaction_characteristics_key(const Statement& s, std::string_view isolation,
                                            std::string_view read_only) {
  std::string key;
  auto add = [&key](std::string_view name) { key += (key.empty() ? "" : ",") + std::string(name); };
  if (s.has_word_between(0, s.tokens.size(), {"ISOLATION"})) add(isolation);
  for (std::size_t k = 0; k + 1 < s.tokens.size(); ++k)
    if (s.word(k) == "READ" && (s.word(k + 1) == "ONLY" || s.word(k + 1) == "WRITE")) {
      add(read_only);
      break;
    }
  if (s.has_word_between(0, s.tokens.size(), {"DEFERRABLE"})) add("default_transaction_deferrable");
  return key;
}

// PostgreSQL: a GUC name (word or word.word) at `k`, lower case; empty if there is none.
std::string setting_name(const Statement& s, std::size_t& k) {
  if (s.word(k).empty()) return {};
  std::string name = lower(s.word(k++));
  while (s.symbol(k, '.') && !s.word(k + 1).empty()) {
    name += "." + lower(s.word(k + 1));
    k += 2;
  }
  return name;
}

void postgres_set(const Statement& s, std::vector<SessionEffect>& out) {
  std::size_t k = 1;
  if (s.word(k) == "LOCAL") return;  // ends with the transaction
  if (s.word(k) == "SESSION") {
    if (s.word(k + 1) == "AUTHORIZATION") {
      if (s.word(k + 2) == "DEFAULT")
        out.push_back(reset("session_authorization"));
      else
        out.push_back(untracked("session_authorization", "SET SESSION AUTHORIZATION"));
      return;
    }
    if (s.word(k + 1) == "CHARACTERISTICS") {
      out.push_back(set(transaction_characteristics_key(s, "default_transaction_isolation",
                                                        "default_transaction_read_only"),
                        s.text));
      return;
    }
    ++k;
  }
  const std::string_view w = s.word(k);
  if (w == "TRANSACTION" || w == "CONSTRAINTS") return;  // this transaction only
  if (w == "TIME" && s.word(k + 1) == "ZONE") return out.push_back(set("timezone", s.text));
  if (w == "ROLE") return out.push_back(set("role", s.text));
  if (w == "SCHEMA") return out.push_back(set("search_path", s.text));
  if (w == "NAMES") return out.push_back(set("client_encoding", s.text));
  if (w == "XML" && s.word(k + 1) == "OPTION") return out.push_back(set("xmloption", s.text));
  std::string name = setting_name(s, k);
  if (name.empty() || !(s.symbol(k, '=') || s.word(k) == "TO"))
    return out.push_back(unrecognised());
  if (name == "session_authorization")
    return out.push_back(untracked("session_authorization", "SET SESSION AUTHORIZATION"));
  out.push_back(set(name, s.text));
}

void postgres_reset(const Statement& s, std::vector<SessionEffect>& out) {
  std::size_t k = 1;
  const std::string_view w = s.word(k);
  if (w == "ALL") return out.push_back({SessionEffect::Kind::kResetAll, {}, {}, {}});
  if (w == "TIME" && s.word(k + 1) == "ZONE") return out.push_back(reset("timezone"));
  if (w == "SESSION" && s.word(k + 1) == "AUTHORIZATION")
    return out.push_back(reset("session_authorization"));
  std::string name = setting_name(s, k);
  if (name.empty()) return out.push_back(unrecognised());
  out.push_back(reset(name));
}

void postgres_statement(const Statement& s, std::vector<SessionEffect>& out) {
  const std::string_view first = s.word(0);
  if (first == "SET") {
    postgres_set(s, out);
  } else if (first == "RESET") {
    postgres_reset(s, out);
  } else if (first == "DISCARD") {
    if (s.word(1) == "ALL") out.push_back({SessionEffect::Kind::kDiscardAll, {}, {}, {}});
    if (s.word(1) == "TEMP" || s.word(1) == "TEMPORARY")
      out.push_back(reset(std::string(kTemporaryTables)));
  } else if (first == "CREATE") {
    if (s.has_word_between(1, 5, {"TEMP", "TEMPORARY"}))
      out.push_back(untracked(std::string(kTemporaryTables), "temporary tables"));
  } else if (first == "PREPARE") {
    if (s.word(1) != "TRANSACTION")  // two-phase commit, not a statement
      out.push_back(untracked(std::string(kSqlPrepare), "SQL PREPARE"));
  } else if (first == "DEALLOCATE") {
    if (s.word(1) == "ALL" || (s.word(1) == "PREPARE" && s.word(2) == "ALL"))
      out.push_back(reset(std::string(kSqlPrepare)));
  } else if (first == "DECLARE") {
    for (std::size_t k = 1; k + 1 < s.tokens.size(); ++k)
      if (s.word(k) == "WITH" && s.word(k + 1) == "HOLD") {
        out.push_back(untracked("held_cursors", "cursors WITH HOLD"));
        break;
      }
  } else if (first == "CLOSE") {
    if (s.word(1) == "ALL") out.push_back(reset("held_cursors"));
  } else if (first == "LISTEN") {
    out.push_back(untracked("listen", "LISTEN"));
  } else if (first == "UNLISTEN") {
    if (s.symbol(1, '*')) out.push_back(reset("listen"));
  } else if (first == "LOAD") {
    out.push_back(untracked("load", "LOAD"));
  }
  if (s.calls({"PG_ADVISORY_LOCK", "PG_ADVISORY_LOCK_SHARED", "PG_TRY_ADVISORY_LOCK",
               "PG_TRY_ADVISORY_LOCK_SHARED"}))
    out.push_back(untracked("advisory_locks", "advisory locks"));
  if (s.calls({"PG_ADVISORY_UNLOCK_ALL"})) out.push_back(reset("advisory_locks"));
  if (s.calls({"SET_CONFIG"})) out.push_back(untracked("set_config", "set_config()"));
}

// MySQL SET var = value [, var = value …]: the session variables it assigns (scope carries from
// one assignment to the next, as on the server), and whether it assigns user or global ones.
void mysql_assignments(const Statement& s, std::vector<SessionEffect>& out) {
  std::vector<std::string> session;
  bool user = false;
  bool global = false;
  bool global_scope = false;
  std::size_t k = 1;
  while (k < s.tokens.size()) {
    const std::string_view w = s.word(k);
    if (w == "GLOBAL" || w == "PERSIST" || w == "PERSIST_ONLY") {
      global_scope = true;
      ++k;
    } else if (w == "SESSION" || w == "LOCAL") {
      global_scope = false;
      ++k;
    }
    std::string name;
    bool is_global = global_scope;
    if (s.symbol(k, '@') && s.symbol(k + 1, '@')) {
      k += 2;
      if (s.symbol(k + 1, '.')) {
        const std::string_view scope = s.word(k);
        is_global = scope == "GLOBAL" || scope == "PERSIST" || scope == "PERSIST_ONLY";
        if (!is_global && scope != "SESSION" && scope != "LOCAL")
          return out.push_back(unrecognised());
        k += 2;
      } else {
        is_global = false;
      }
      name = lower(s.word(k));
    } else if (s.symbol(k, '@')) {
      user = true;
      name = "@";  // a user variable: '@' and its name (a word or a quoted name)
    } else {
      name = lower(s.word(k));
    }
    if (name.empty()) return out.push_back(unrecognised());
    k += name == "@" ? 2 : 1;
    if (s.symbol(k, ':')) ++k;
    if (!s.symbol(k, '=')) return out.push_back(unrecognised());
    if (name != "@" && is_global) global = true;
    if (name != "@" && !is_global) session.push_back(name);
    // Skip the value up to the next top-level ','.
    int depth = 0;
    for (++k; k < s.tokens.size(); ++k) {
      if (s.symbol(k, '(')) ++depth;
      if (s.symbol(k, ')')) --depth;
      if (depth == 0 && s.symbol(k, ',')) break;
    }
    ++k;
  }
  if (!session.empty()) {
    if (global) return out.push_back(unrecognised());  // replaying it would change the server
    std::string key;
    for (const auto& name : session) key += (key.empty() ? "" : ",") + name;
    out.push_back(set(key, s.text));
  }
  if (user) out.push_back(untracked("user_variables", "user variables"));
}

void mysql_set(const Statement& s, std::vector<SessionEffect>& out) {
  const std::string_view w = s.word(1);
  if (w == "PASSWORD" || w == "STATEMENT" || w == "TRANSACTION") return;
  if (w == "DEFAULT" && s.word(2) == "ROLE") return;  // the account's, not the session's
  if ((w == "GLOBAL" || w == "PERSIST" || w == "PERSIST_ONLY") && s.word(2) == "TRANSACTION")
    return;
  if ((w == "SESSION" || w == "LOCAL") && s.word(2) == "TRANSACTION")
    return out.push_back(
        set(transaction_characteristics_key(s, "transaction_isolation", "transaction_read_only"),
            s.text));
  if (w == "ROLE") return out.push_back(set("role", s.text));
  if (w == "NAMES") return out.push_back(set("names", s.text));
  if ((w == "CHARACTER" && s.word(2) == "SET") || w == "CHARSET")
    return out.push_back(set("character_set", s.text));
  mysql_assignments(s, out);
}

void mysql_statement(const Statement& s, std::vector<SessionEffect>& out) {
  const std::string_view first = s.word(0);
  if (first == "USE") {
    if (s.tokens.size() == 2 && s.tokens[1].kind != SqlTokenKind::kSymbol)
      out.push_back(set("schema", s.text));
    else
      out.push_back(unrecognised());
  } else if (first == "SET") {
    mysql_set(s, out);
  } else if (first == "CREATE") {
    if (s.has_word_between(1, 4, {"TEMPORARY"}))
      out.push_back(untracked(std::string(kTemporaryTables), "temporary tables"));
  } else if (first == "PREPARE") {
    out.push_back(untracked(std::string(kSqlPrepare), "SQL PREPARE"));
  } else if (first == "LOCK") {
    if (s.word(1) == "TABLES" || s.word(1) == "TABLE")
      out.push_back(untracked("table_locks", "LOCK TABLES"));
  } else if (first == "UNLOCK") {
    if (s.word(1) == "TABLES" || s.word(1) == "TABLE") out.push_back(reset("table_locks"));
  } else {
    // SELECT … INTO @x, SELECT @x := …: user variables set outside SET.
    bool into = false;
    for (std::size_t k = 0; k + 1 < s.tokens.size(); ++k) {
      if (s.word(k) == "INTO") into = true;
      const bool user_variable =
          s.symbol(k, '@') && !s.symbol(k + 1, '@') && (k == 0 || !s.symbol(k - 1, '@'));
      if (user_variable && (into || (s.symbol(k + 2, ':') && s.symbol(k + 3, '=')))) {
        out.push_back(untracked("user_variables", "user variables"));
        break;
      }
    }
  }
  if (s.calls({"GET_LOCK"})) out.push_back(untracked("named_locks", "named locks (GET_LOCK)"));
  if (s.calls({"RELEASE_ALL_LOCKS"})) out.push_back(reset("named_locks"));
}

// The first word of `sql` after blanks, upper case, up to 10 characters; empty when the text
// starts with anything else (a comment, a parenthesis).
std::string first_word(std::string_view sql) {
  std::size_t i = 0;
  while (i < sql.size() && is_sql_blank(sql[i])) ++i;
  std::string word;
  while (i < sql.size() && is_sql_word_char(sql[i]) && word.size() <= 10) word += upper(sql[i++]);
  return word;
}

// Whether `text` holds `lower_word` (lower-case ASCII) at `at`, in any case.
bool word_at(std::string_view text, std::size_t at, std::string_view lower_word) {
  if (at + lower_word.size() > text.size()) return false;
  for (std::size_t i = 0; i < lower_word.size(); ++i) {
    char c = text[at + i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower_word[i]) return false;
  }
  return true;
}

}  // namespace

// One pass over the text, comparing bytes: it runs on every successful statement.
bool may_change_session(std::string_view sql, SqlEngine engine) noexcept {
  std::size_t i = 0;
  while (i < sql.size() && is_sql_blank(sql[i])) ++i;
  if (i == sql.size() || !is_sql_word_start(sql[i])) return true;  // a comment first: look closer
  std::size_t end = i;
  while (end < sql.size() && is_sql_word_char(sql[end])) ++end;
  static constexpr std::string_view kSessionWords[] = {
      "set",   "reset",  "discard",  "create", "prepare", "deallocate", "declare",
      "close", "listen", "unlisten", "load",   "use",     "lock",       "unlock"};
  for (std::string_view w : kSessionWords)
    if (end - i == w.size() && word_at(sql, i, w)) return true;
  // Later statements in the same text, or session state set from inside another statement.
  const bool mysql = engine == SqlEngine::kMysql;
  static constexpr auto kInteresting = [] {
    std::array<bool, 256> table{};
    for (unsigned char c : std::string_view(";@lLsS")) table[c] = true;
    return table;
  }();
  for (; i < sql.size(); ++i) {
    if (!kInteresting[static_cast<unsigned char>(sql[i])]) continue;
    switch (sql[i]) {
      case ';':
        if (sql.find_first_not_of(" \t\r\n;", i) != std::string_view::npos) return true;
        return false;  // only blanks and ';' follow
      case '@':
        if (mysql) return true;
        break;
      case 'l':
      case 'L':
        if (word_at(sql, i, "lock")) return true;
        break;
      case 's':
      case 'S':
        if (word_at(sql, i, "set_config")) return true;
        break;
      default:
        break;
    }
  }
  return false;
}

std::vector<SessionEffect> session_effects(std::string_view sql, SqlEngine engine) {
  std::vector<SessionEffect> out;
  const auto tokens = tokenize_sql(sql, engine);
  if (!tokens) {
    const std::string word = first_word(sql);
    if (word == "SET" || word == "USE" || word == "RESET") out.push_back(unrecognised());
    return out;
  }
  for (const Statement& s : split_statements(sql, *tokens)) {
    if (engine == SqlEngine::kMysql)
      mysql_statement(s, out);
    else
      postgres_statement(s, out);
  }
  return out;
}

bool may_open_transaction(std::string_view sql) noexcept {
  std::size_t i = 0;
  while (i < sql.size() && is_sql_blank(sql[i])) ++i;
  if (i == sql.size()) return false;
  if (!is_sql_word_start(sql[i])) return true;
  if (word_at(sql, i, "begin") || word_at(sql, i, "start")) return true;
  for (std::size_t semicolon = sql.find(';', i); semicolon != std::string_view::npos;
       semicolon = sql.find(';', semicolon + 1))
    if (sql.find_first_not_of(" \t\r\n;", semicolon) != std::string_view::npos) return true;
  return false;
}

bool commits_transaction(std::string_view sql, SqlEngine engine) {
  const auto tokens = tokenize_sql(sql, engine);
  if (!tokens) return false;
  const auto statements = split_statements(sql, *tokens);
  if (statements.size() != 1) return false;
  const Statement& s = statements.front();
  if (s.word(0) == "END") return true;
  return s.word(0) == "COMMIT" && s.word(1) != "PREPARED";
}

}  // namespace awrap::internal
