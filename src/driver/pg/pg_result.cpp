#include "driver/pg/pg_result.hpp"

#include <charconv>
#include <stdexcept>
#include <string>

namespace awrap::internal::pg {
namespace {

std::int64_t parse_affected_rows(PGresult* result) noexcept {
  if (PQresultStatus(result) == PGRES_TUPLES_OK) {
    // PQcmdTuples reports the row count of a SELECT too; the contract wants 0 for a query that
    // returns rows. INSERT … RETURNING keeps its count: it did write rows.
    std::string_view tag = PQcmdStatus(result);
    if (tag.starts_with("SELECT") || tag.starts_with("FETCH")) return 0;
  }
  std::string_view count = PQcmdTuples(result);
  std::int64_t rows = 0;
  std::from_chars(count.data(), count.data() + count.size(), rows);
  return rows;
}

}  // namespace

PgResult::PgResult(PgResultHandle result) : result_(std::move(result)) {
  affected_rows_ = parse_affected_rows(result_.get());
}

std::size_t PgResult::row_count() const noexcept {
  return static_cast<std::size_t>(PQntuples(result_.get()));
}

std::size_t PgResult::column_count() const noexcept {
  return static_cast<std::size_t>(PQnfields(result_.get()));
}

std::string_view PgResult::column_name(std::size_t column) const {
  if (column >= column_count()) {
    throw std::out_of_range("column " + std::to_string(column) + " does not exist (result has " +
                            std::to_string(column_count()) + " columns)");
  }
  return PQfname(result_.get(), static_cast<int>(column));
}

void PgResult::check_cell(std::size_t row, std::size_t column) const {
  if (row >= row_count()) {
    throw std::out_of_range("row " + std::to_string(row) + " does not exist (result has " +
                            std::to_string(row_count()) + " rows)");
  }
  if (column >= column_count()) {
    throw std::out_of_range("column " + std::to_string(column) + " does not exist (result has " +
                            std::to_string(column_count()) + " columns)");
  }
}

bool PgResult::is_null(std::size_t row, std::size_t column) const {
  check_cell(row, column);
  return PQgetisnull(result_.get(), static_cast<int>(row), static_cast<int>(column)) != 0;
}

std::string_view PgResult::value(std::size_t row, std::size_t column) const {
  check_cell(row, column);
  const int r = static_cast<int>(row);
  const int c = static_cast<int>(column);
  return std::string_view(PQgetvalue(result_.get(), r, c),
                          static_cast<std::size_t>(PQgetlength(result_.get(), r, c)));
}

std::int64_t PgResult::affected_rows() const noexcept {
  return affected_rows_;
}

ColumnType PgResult::column_type(std::size_t column) const {
  column_name(column);  // range check
  const int c = static_cast<int>(column);
  return ColumnType{.known = true,
                    .native_type = static_cast<std::uint32_t>(PQftype(result_.get(), c)),
                    .modifier = PQfmod(result_.get(), c),
                    .binary = false};
}

std::string_view PgResult::command_tag() const noexcept {
  return PQcmdStatus(result_.get());
}

}  // namespace awrap::internal::pg
