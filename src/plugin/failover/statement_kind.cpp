#include "plugin/failover/statement_kind.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

namespace awrap {
namespace {

enum class TokenKind { kWord, kQuotedName, kLiteral, kSymbol };

struct Token {
  TokenKind kind;
  std::string text;  // words upper-cased; a symbol is its one character
};

bool is_blank(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}
bool is_word_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_word_char(char c) {
  return is_word_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$';
}

// Splits `sql` into tokens, dropping blanks and comments. nullopt when the text cannot be
// followed with certainty: an unterminated quote or comment, a MySQL executable comment, or a
// backslash inside quotes (whether it escapes depends on server settings).
std::optional<std::vector<Token>> tokenize(std::string_view sql, SqlEngine engine) {
  const bool mysql = engine == SqlEngine::kMysql;
  std::vector<Token> out;
  const std::size_t n = sql.size();
  auto at = [&](std::size_t k) { return k < n ? sql[k] : '\0'; };
  std::size_t i = 0;
  while (i < n) {
    const char c = sql[i];
    if (is_blank(c)) {
      ++i;
    } else if ((c == '-' && at(i + 1) == '-' && (!mysql || is_blank(at(i + 2)) || i + 2 == n)) ||
               (c == '#' && mysql)) {
      i = sql.find('\n', i);
      if (i == std::string_view::npos) break;
    } else if (c == '/' && at(i + 1) == '*') {
      if (mysql && (at(i + 2) == '!' || (at(i + 2) == 'M' && at(i + 3) == '!')))
        return std::nullopt;  // /*! … */ runs its content on MySQL and MariaDB
      int depth = 1;          // PostgreSQL block comments nest; MySQL's do not
      i += 2;
      while (i < n && depth > 0) {
        if (!mysql && sql[i] == '/' && at(i + 1) == '*') {
          ++depth;
          i += 2;
        } else if (sql[i] == '*' && at(i + 1) == '/') {
          --depth;
          i += 2;
        } else {
          ++i;
        }
      }
      if (depth > 0) return std::nullopt;
    } else if (c == '\'' || c == '"' || (c == '`' && mysql)) {
      std::size_t j = i + 1;
      for (;; ++j) {
        if (j >= n || sql[j] == '\\') return std::nullopt;
        if (sql[j] == c) {
          if (at(j + 1) != c) break;
          ++j;  // a doubled quote stands for itself
        }
      }
      bool literal = c == '\'' || (c == '"' && mysql);
      out.push_back({literal ? TokenKind::kLiteral : TokenKind::kQuotedName, {}});
      i = j + 1;
    } else if (c == '$' && !mysql && std::isdigit(static_cast<unsigned char>(at(i + 1)))) {
      i += 1;  // $1: a parameter
      while (std::isdigit(static_cast<unsigned char>(at(i)))) ++i;
      out.push_back({TokenKind::kLiteral, {}});
    } else if (c == '$' && !mysql) {
      std::size_t j = i + 1;  // $tag$ … $tag$
      while (j < n && (std::isalnum(static_cast<unsigned char>(sql[j])) || sql[j] == '_')) ++j;
      if (at(j) != '$') return std::nullopt;
      std::string_view tag = sql.substr(i, j - i + 1);
      std::size_t end = sql.find(tag, j + 1);
      if (end == std::string_view::npos) return std::nullopt;
      out.push_back({TokenKind::kLiteral, {}});
      i = end + tag.size();
    } else if (is_word_start(c)) {
      std::string word;
      while (i < n && is_word_char(sql[i]))
        word += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i++])));
      out.push_back({TokenKind::kWord, std::move(word)});
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      while (i < n && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '.')) ++i;
      out.push_back({TokenKind::kLiteral, {}});
    } else {
      out.push_back({TokenKind::kSymbol, std::string(1, c)});
      ++i;
    }
  }
  return out;
}

bool listed(const std::string& word, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

// Words that take a parenthesis without being a function call.
bool is_keyword_before_parenthesis(const std::string& w) {
  return listed(
      w, {"IN",      "EXISTS",    "VALUES",    "AS",       "FROM",     "JOIN",      "ON",
          "USING",   "ANY",       "ALL",       "SOME",     "OVER",     "FILTER",    "GROUP",
          "BY",      "PARTITION", "ARRAY",     "ROW",      "AND",      "OR",        "NOT",
          "WHERE",   "SELECT",    "CASE",      "WHEN",     "THEN",     "ELSE",      "LATERAL",
          "UNION",   "INTERSECT", "EXCEPT",    "HAVING",   "DISTINCT", "LIMIT",     "OFFSET",
          "IS",      "LIKE",      "ILIKE",     "BETWEEN",  "INTERVAL", "NUMERIC",   "DECIMAL",
          "VARCHAR", "CHAR",      "CHARACTER", "VARYING",  "BIT",      "TIMESTAMP", "TIME",
          "FLOAT",   "INDEX",     "KEY",       "MATCH",    "AGAINST",  "SETS",      "ROLLUP",
          "CUBE",    "WITHIN",    "TABLE",     "EXPLAIN",  "ANALYZE",  "ANALYSE",   "VERBOSE",
          "FORMAT",  "COSTS",     "BUFFERS",   "SETTINGS", "TIMING",   "SUMMARY",   "WAL",
          "CURSOR",  "FOR",       "TO",        "WITH",     "ORDER",    "ASC",       "DESC",
          "NULLS"});
}

// Built-in functions that change no data (they may be volatile, like random() or now(): what
// matters is that running one again repeats nothing). Anything not listed may write.
bool is_function_without_writes(const std::string& f) {
  return listed(f, {"COUNT",
                    "SUM",
                    "AVG",
                    "MIN",
                    "MAX",
                    "ARRAY_AGG",
                    "STRING_AGG",
                    "JSON_AGG",
                    "JSONB_AGG",
                    "BOOL_AND",
                    "BOOL_OR",
                    "EVERY",
                    "STDDEV",
                    "VARIANCE",
                    "GROUP_CONCAT",
                    "ROW_NUMBER",
                    "RANK",
                    "DENSE_RANK",
                    "NTILE",
                    "LAG",
                    "LEAD",
                    "FIRST_VALUE",
                    "LAST_VALUE",
                    "COALESCE",
                    "NULLIF",
                    "GREATEST",
                    "LEAST",
                    "IF",
                    "IFNULL",
                    "ISNULL",
                    "CAST",
                    "CONVERT",
                    "EXTRACT",
                    "POSITION",
                    "SUBSTRING",
                    "SUBSTR",
                    "TRIM",
                    "LTRIM",
                    "RTRIM",
                    "BTRIM",
                    "LOWER",
                    "UPPER",
                    "LENGTH",
                    "CHAR_LENGTH",
                    "OCTET_LENGTH",
                    "CONCAT",
                    "CONCAT_WS",
                    "REPLACE",
                    "LEFT",
                    "RIGHT",
                    "LPAD",
                    "RPAD",
                    "SPLIT_PART",
                    "STRPOS",
                    "MD5",
                    "ABS",
                    "ROUND",
                    "FLOOR",
                    "CEIL",
                    "CEILING",
                    "MOD",
                    "POWER",
                    "SQRT",
                    "TRUNC",
                    "RANDOM",
                    "RAND",
                    "NOW",
                    "CURRENT_TIMESTAMP",
                    "CLOCK_TIMESTAMP",
                    "DATE_TRUNC",
                    "DATE_PART",
                    "AGE",
                    "TO_CHAR",
                    "TO_DATE",
                    "TO_TIMESTAMP",
                    "TO_NUMBER",
                    "DATE_FORMAT",
                    "DATE_ADD",
                    "DATE_SUB",
                    "DATEDIFF",
                    "UNIX_TIMESTAMP",
                    "FROM_UNIXTIME",
                    "CURDATE",
                    "UTC_TIMESTAMP",
                    "GENERATE_SERIES",
                    "UNNEST",
                    "ARRAY_LENGTH",
                    "CARDINALITY",
                    "JSON_BUILD_OBJECT",
                    "JSONB_BUILD_OBJECT",
                    "JSON_EXTRACT",
                    "JSON_OBJECT",
                    "VERSION",
                    "PG_IS_IN_RECOVERY",
                    "PG_BACKEND_PID",
                    "CURRENT_SETTING",
                    "CURRENT_SCHEMA",
                    "CURRENT_DATABASE",
                    "CONNECTION_ID",
                    "DATABASE",
                    "USER",
                    "CURRENT_USER",
                    "PG_SLEEP",
                    "SLEEP",
                    "PG_POSTMASTER_START_TIME",
                    "PG_LAST_WAL_REPLAY_LSN",
                    "PG_CURRENT_WAL_LSN",
                    "AURORA_DB_INSTANCE_IDENTIFIER",
                    "AURORA_REPLICA_STATUS"});
}

bool is_word(const std::vector<Token>& t, std::size_t k, std::string_view text) {
  return k < t.size() && t[k].kind == TokenKind::kWord && t[k].text == text;
}
bool is_symbol(const std::vector<Token>& t, std::size_t k, char c) {
  return k < t.size() && t[k].kind == TokenKind::kSymbol && t[k].text[0] == c;
}

bool starts_a_read(const std::vector<Token>& t, std::size_t first) {
  if (t[first].kind != TokenKind::kWord) return false;
  const std::string& verb = t[first].text;
  if (verb == "START") return is_word(t, first + 1, "TRANSACTION");
  return listed(verb, {"SELECT", "VALUES", "TABLE", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "SET",
                       "BEGIN", "ROLLBACK", "DECLARE", "FETCH"});
}

// Every function the statement calls is known to write nothing.
bool calls_only_functions_without_writes(const std::vector<Token>& t, std::size_t end) {
  for (std::size_t k = 0; k + 1 < end; ++k) {
    if (!is_symbol(t, k + 1, '(')) continue;
    if (t[k].kind == TokenKind::kQuotedName) return false;  // "my_function"(…)
    if (t[k].kind != TokenKind::kWord) continue;
    if (is_symbol(t, k - 1, '.')) {
      // schema.function(…): only the system schemas hold the built-ins listed.
      if (k < 2 || !(is_word(t, k - 2, "PG_CATALOG") || is_word(t, k - 2, "INFORMATION_SCHEMA")))
        return false;
    } else if (is_keyword_before_parenthesis(t[k].text)) {
      continue;
    }
    if (!is_function_without_writes(t[k].text)) return false;
  }
  return true;
}

}  // namespace

bool is_read_only_sql(std::string_view sql, SqlEngine engine) {
  auto tokens = tokenize(sql, engine);
  if (!tokens) return false;
  const auto& t = *tokens;
  std::size_t end = t.size();
  while (end > 0 && is_symbol(t, end - 1, ';')) --end;
  for (std::size_t k = 0; k < end; ++k)
    if (is_symbol(t, k, ';')) return false;  // several statements
  std::size_t first = 0;
  while (first < end && is_symbol(t, first, '(')) ++first;
  if (first == end) return first == 0;  // nothing to run
  if (!starts_a_read(t, first)) return false;
  for (std::size_t k = first; k < end; ++k) {
    if (is_word(t, k, "INTO")) return false;  // SELECT … INTO creates a table or writes a file
    if (t[first].text == "EXPLAIN" && (is_word(t, k, "ANALYZE") || is_word(t, k, "ANALYSE")))
      return false;  // runs the statement
  }
  return calls_only_functions_without_writes(t, end);
}

}  // namespace awrap
