#include "base/sql_tokens.hpp"

#include <cctype>

namespace awrap::internal {
namespace {

bool is_blank(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}
bool is_digit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}
bool is_word_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_word_char(char c) {
  return is_word_start(c) || is_digit(c) || c == '$';
}

}  // namespace

bool is_sql_blank(char c) noexcept {
  return is_blank(c);
}
bool is_sql_word_start(char c) noexcept {
  return is_word_start(c);
}
bool is_sql_word_char(char c) noexcept {
  return is_word_char(c);
}

std::optional<std::vector<SqlToken>> tokenize_sql(std::string_view sql, SqlEngine engine) {
  const bool mysql = engine == SqlEngine::kMysql;
  std::vector<SqlToken> out;
  const std::size_t n = sql.size();
  auto at = [&](std::size_t k) { return k < n ? sql[k] : '\0'; };
  std::size_t i = 0;
  while (i < n) {
    const char c = sql[i];
    const std::size_t start = i;
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
      i = j + 1;
      const bool string = c == '\'' || (c == '"' && mysql);
      out.push_back({string ? SqlTokenKind::kString : SqlTokenKind::kQuotedName, {}, start, i});
    } else if (c == '$' && !mysql && is_digit(at(i + 1))) {
      ++i;  // $1: a parameter
      while (is_digit(at(i))) ++i;
      out.push_back({SqlTokenKind::kParameter, {}, start, i});
    } else if (c == '$' && !mysql) {
      std::size_t j = i + 1;  // $tag$ … $tag$
      while (j < n && (std::isalnum(static_cast<unsigned char>(sql[j])) || sql[j] == '_')) ++j;
      if (at(j) != '$') return std::nullopt;
      const std::string_view tag = sql.substr(i, j - i + 1);
      const std::size_t close = sql.find(tag, j + 1);
      if (close == std::string_view::npos) return std::nullopt;
      i = close + tag.size();
      out.push_back({SqlTokenKind::kString, {}, start, i});
    } else if (is_word_start(c)) {
      std::string word;
      while (i < n && is_word_char(sql[i]))
        word += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i++])));
      out.push_back({SqlTokenKind::kWord, std::move(word), start, i});
    } else if (is_digit(c)) {
      while (i < n && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '.')) ++i;
      out.push_back({SqlTokenKind::kNumber, {}, start, i});
    } else {
      out.push_back({SqlTokenKind::kSymbol, std::string(1, c), start, i + 1});
      ++i;
    }
  }
  return out;
}

}  // namespace awrap::internal
