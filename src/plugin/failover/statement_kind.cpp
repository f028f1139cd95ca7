#include "plugin/failover/statement_kind.hpp"

#include <cctype>
#include <string>

namespace awrap {

bool is_read_only_sql(std::string_view sql) {
  std::size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(') {
      ++i;
    } else if (sql.substr(i, 2) == "--") {
      i = sql.find('\n', i);
      if (i == std::string_view::npos) return true;
    } else if (sql.substr(i, 2) == "/*") {
      i = sql.find("*/", i);
      if (i == std::string_view::npos) return true;
      i += 2;
    } else {
      break;
    }
  }
  std::string word;
  while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i])))
    word += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i++])));
  if (word == "EXPLAIN")
    return sql.find("ANALYZE") == std::string_view::npos &&
           sql.find("analyze") == std::string_view::npos;
  return word == "SELECT" || word == "SHOW" || word == "VALUES" || word == "SET" ||
         word == "BEGIN" || word == "START" || word == "ROLLBACK" || word == "DECLARE" ||
         word == "FETCH" || word.empty();
}

}  // namespace awrap
