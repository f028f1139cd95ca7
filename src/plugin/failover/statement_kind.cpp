#include "plugin/failover/statement_kind.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "base/sql_tokens.hpp"

namespace awrap::internal {
namespace {

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

bool is_word(const std::vector<SqlToken>& t, std::size_t k, std::string_view text) {
  return k < t.size() && t[k].kind == SqlTokenKind::kWord && t[k].text == text;
}
bool is_symbol(const std::vector<SqlToken>& t, std::size_t k, char c) {
  return k < t.size() && t[k].kind == SqlTokenKind::kSymbol && t[k].text[0] == c;
}

bool starts_a_read(const std::vector<SqlToken>& t, std::size_t first) {
  if (t[first].kind != SqlTokenKind::kWord) return false;
  const std::string& verb = t[first].text;
  if (verb == "START") return is_word(t, first + 1, "TRANSACTION");
  return listed(verb, {"SELECT", "VALUES", "TABLE", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "SET",
                       "BEGIN", "ROLLBACK", "DECLARE", "FETCH"});
}

// Every function the statement calls is known to write nothing.
bool calls_only_functions_without_writes(const std::vector<SqlToken>& t, std::size_t end) {
  for (std::size_t k = 0; k + 1 < end; ++k) {
    if (!is_symbol(t, k + 1, '(')) continue;
    if (t[k].kind == SqlTokenKind::kQuotedName) return false;  // "my_function"(…)
    if (t[k].kind != SqlTokenKind::kWord) continue;
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
  auto tokens = tokenize_sql(sql, engine);
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

}  // namespace awrap::internal
