// The one SQL tokenizer awrap has: the failover plugin reads statements to decide whether a lost
// call could have written (plugin/failover/statement_kind), and the Connection reads them to
// follow session settings made with SQL (core/session_sql). Not a parser: it splits text into
// words, quoted parts, numbers and symbols the way both engines' lexers would, and says so when
// it cannot be sure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awrap::internal {

enum class SqlEngine { kPostgres, kMysql };

enum class SqlTokenKind {
  kWord,        // keyword or plain identifier; text upper case
  kString,      // '…'; "…" on MySQL; $tag$…$tag$ on PostgreSQL
  kQuotedName,  // "…" on PostgreSQL; `…` on MySQL
  kNumber,
  kParameter,  // $1 on PostgreSQL
  kSymbol,     // one character; text is that character
};

struct SqlToken {
  SqlTokenKind kind;
  std::string text;   // kWord: upper case; kSymbol: the character; otherwise empty
  std::size_t begin;  // offsets into the text
  std::size_t end;
};

// Blanks, and the characters of an unquoted word (identifier or keyword), as both engines read
// them.
bool is_sql_blank(char c) noexcept;
bool is_sql_word_start(char c) noexcept;
bool is_sql_word_char(char c) noexcept;

// The tokens of `sql`, blanks and comments dropped. nullopt when the text cannot be followed with
// certainty: an unterminated quote or comment, a MySQL executable comment (/*! … */, which runs
// its content), or a backslash inside quotes (whether it escapes depends on server settings).
std::optional<std::vector<SqlToken>> tokenize_sql(std::string_view sql, SqlEngine engine);

}  // namespace awrap::internal
