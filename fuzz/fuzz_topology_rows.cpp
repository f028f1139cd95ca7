// Fuzzes the functions that turn the rows of a topology query into TopologyEntry lists (one per
// cluster flavour) and the SHOW REPLICA STATUS reader. The first byte picks the flavour; the rest
// is rows separated by '\n', fields by '\t', "\N" for NULL (the column count is the query's; a
// short row gets NULLs, extra fields are dropped). Besides crashes and undefined behaviour it
// checks:
//  - no more entries than rows, and no entry from a row whose id is NULL (MySQL flavours);
//  - at most one writer (aurora-mysql keeps the latest), and one when any row claims it;
//  - multi-az-mysql: the writer is exactly the row whose id is the writer id.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "awrap/result.hpp"
#include "dialect/mysql_dialects.hpp"
#include "dialect/pg_dialects.hpp"
#include "fuzz_check.hpp"

namespace {

using awrap::TopologyEntry;

class Rows final : public awrap::ResultData {
 public:
  Rows(std::string_view text, std::vector<std::string> columns) : columns_(std::move(columns)) {
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(start, end - start);
      start = end + 1;
      std::vector<std::optional<std::string>> row;
      std::size_t field_start = 0;
      while (row.size() < columns_.size() && field_start <= line.size()) {
        std::size_t tab = line.find('\t', field_start);
        if (tab == std::string_view::npos) tab = line.size();
        std::string_view field = line.substr(field_start, tab - field_start);
        field_start = tab + 1;
        if (field == "\\N")
          row.emplace_back();
        else
          row.emplace_back(std::string(field));
      }
      row.resize(columns_.size());
      rows_.push_back(std::move(row));
    }
  }
  std::size_t row_count() const noexcept override { return rows_.size(); }
  std::size_t column_count() const noexcept override { return columns_.size(); }
  std::string_view column_name(std::size_t column) const override { return columns_.at(column); }
  bool is_null(std::size_t row, std::size_t column) const override {
    return !rows_.at(row).at(column).has_value();
  }
  std::string_view value(std::size_t row, std::size_t column) const override {
    const auto& v = rows_.at(row).at(column);
    return v ? std::string_view(*v) : std::string_view();  // as the drivers give NULL
  }
  std::int64_t affected_rows() const noexcept override { return 0; }

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<std::optional<std::string>>> rows_;
};

std::string describe(const std::vector<TopologyEntry>& entries) {
  std::string out;
  for (const auto& e : entries)
    out += "\n  '" + e.instance_id + "' endpoint='" + e.endpoint +
           "' port=" + std::to_string(e.port) + (e.is_writer ? " writer" : " reader");
  return out;
}

std::size_t writers(const std::vector<TopologyEntry>& entries) {
  std::size_t n = 0;
  for (const auto& e : entries) n += e.is_writer ? 1 : 0;
  return n;
}

// Every entry names an instance: rows without one are skipped, never an empty host.
void check_common(const Rows& rows, const std::vector<TopologyEntry>& entries) {
  FUZZ_CHECK(entries.size() <= rows.row_count(), describe(entries));
  for (const auto& e : entries) FUZZ_CHECK(!e.instance_id.empty(), describe(entries));
}

void aurora_pg(std::string_view text) {
  Rows rows(text, {"server_id", "is_writer", "lag", "last_update"});
  auto entries = awrap::internal::aurora_pg_topology_from_rows(rows);
  check_common(rows, entries);
}

void multi_az_pg(std::string_view text) {
  Rows rows(text, {"id", "endpoint", "port", "is_writer"});
  auto entries = awrap::internal::multi_az_pg_topology_from_rows(rows);
  check_common(rows, entries);
  for (const auto& e : entries) FUZZ_CHECK(!e.endpoint.empty(), describe(entries));
}

void aurora_mysql(std::string_view text) {
  Rows rows(text, {"server_id", "is_writer", "lag", "last_update", "age"});
  auto entries = awrap::internal::aurora_mysql_topology_from_rows(rows);
  check_common(rows, entries);
  bool claimed = false;
  std::size_t non_null = 0;
  for (std::size_t i = 0; i < rows.row_count(); ++i) {
    if (rows.is_null(i, 0) || rows.value(i, 0).empty()) continue;
    ++non_null;
    auto w = rows.value(i, 1);
    claimed = claimed || w == "1" || w == "ON" || w == "on" || w == "true";
  }
  FUZZ_CHECK(entries.size() <= non_null, describe(entries));
  FUZZ_CHECK(writers(entries) == (claimed ? 1u : 0u), describe(entries));
}

void multi_az_mysql(std::string_view text) {
  // The first line is the writer's id as SHOW REPLICA STATUS gave it.
  auto newline = text.find('\n');
  std::string writer_id(text.substr(0, newline));
  Rows rows(newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1),
            {"id", "endpoint", "port"});
  auto entries = awrap::internal::multi_az_mysql_topology_from_rows(rows, writer_id);
  check_common(rows, entries);
  for (const auto& e : entries)
    FUZZ_CHECK(e.is_writer == (!writer_id.empty() && e.instance_id == writer_id),
               "writer id '" + writer_id + "'" + describe(entries));
}

void replica_status(std::string_view text) {
  // The first line holds the column names, tab-separated; the second the row.
  auto newline = text.find('\n');
  std::vector<std::string> columns;
  std::string_view names = text.substr(0, newline);
  for (std::size_t start = 0; start <= names.size() && columns.size() < 64;) {
    std::size_t tab = names.find('\t', start);
    if (tab == std::string_view::npos) tab = names.size();
    columns.emplace_back(names.substr(start, tab - start));
    start = tab + 1;
  }
  Rows rows(newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1),
            columns);
  if (rows.row_count() == 0) return;
  std::string id = awrap::internal::source_server_id_from_replica_status(rows);
  FUZZ_CHECK(id != "0", "the id of a replica that has not reached its source");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0:
      aurora_pg(text);
      break;
    case 1:
      multi_az_pg(text);
      break;
    case 2:
      aurora_mysql(text);
      break;
    case 3:
      multi_az_mysql(text);
      break;
    default:
      replica_status(text);
      break;
  }
  return 0;
}
