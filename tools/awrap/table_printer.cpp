#include "table_printer.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace awrap::internal::cli {

void print_result(std::ostream& out, const Result& result) {
  if (result.column_count() == 0) {
    out << "OK, " << result.affected_rows() << " row(s) affected\n";
    return;
  }
  std::vector<std::size_t> widths(result.column_count());
  for (std::size_t c = 0; c < widths.size(); ++c) widths[c] = result.column_name(c).size();
  for (const Row& row : result)
    for (std::size_t c = 0; c < widths.size(); ++c)
      widths[c] = std::max(widths[c], row[c].is_null() ? 4 : row[c].text().size());
  auto cell = [&](std::string_view text, std::size_t c) {
    out << ' ' << text << std::string(widths[c] - text.size(), ' ') << ' ';
  };
  for (std::size_t c = 0; c < widths.size(); ++c) {
    if (c) out << '|';
    cell(result.column_name(c), c);
  }
  out << '\n';
  for (std::size_t c = 0; c < widths.size(); ++c)
    out << (c ? "+" : "") << std::string(widths[c] + 2, '-');
  out << '\n';
  for (const Row& row : result) {
    for (std::size_t c = 0; c < widths.size(); ++c) {
      if (c) out << '|';
      cell(row[c].is_null() ? "NULL" : row[c].text(), c);
    }
    out << '\n';
  }
  out << '(' << result.size() << (result.size() == 1 ? " row)\n" : " rows)\n");
}

}  // namespace awrap::internal::cli
