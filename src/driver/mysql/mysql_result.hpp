// The rows of one MySQL/MariaDB statement, copied out of the driver.
//
//   MysqlResultBuilder builder({"id", "name"});
//   builder.add_value("1");
//   builder.add_null();
//   std::shared_ptr<const ResultData> result = std::move(builder).finish(0);
//
// Values are kept in their text form (the text protocol's, or the binary protocol's converted to
// it), all in one buffer. The result owns its data: it stays valid after the connection closes,
// which a MYSQL_RES would not guarantee. Immutable once built; safe to read from many threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <mysql.h>

#include "awrap/result.hpp"

namespace awrap::internal::mysql {

class MysqlResult final : public ResultData {
 public:
  std::size_t row_count() const noexcept override { return row_count_; }
  std::size_t column_count() const noexcept override { return column_names_.size(); }
  // Throws std::out_of_range for a column or row that does not exist.
  std::string_view column_name(std::size_t column) const override;
  bool is_null(std::size_t row, std::size_t column) const override;
  std::string_view value(std::size_t row, std::size_t column) const override;
  std::int64_t affected_rows() const noexcept override { return affected_rows_; }
  // enum_field_types, field flags and the binary character set of each column.
  ColumnType column_type(std::size_t column) const override;

 private:
  friend class MysqlResultBuilder;
  std::size_t cell_index(std::size_t row, std::size_t column) const;

  std::vector<std::string> column_names_;
  std::vector<ColumnType> column_types_;  // empty or one per column
  std::string values_;                    // every cell's bytes, row-major
  std::vector<std::size_t> value_ends_;   // end offset of each cell in values_
  std::vector<bool> nulls_;
  std::size_t row_count_ = 0;
  std::int64_t affected_rows_ = 0;
};

// Fills a MysqlResult cell by cell, row-major. REQUIRES: whole rows before finish().
class MysqlResultBuilder {
 public:
  explicit MysqlResultBuilder(std::vector<std::string> column_names);
  // The columns' types, from the MYSQL_FIELDs of the result (one per column).
  void set_column_types(const MYSQL_FIELD* fields, unsigned int count);
  void add_value(std::string_view value);
  void add_null();
  std::shared_ptr<const MysqlResult> finish(std::int64_t affected_rows) &&;

 private:
  std::shared_ptr<MysqlResult> result_;
};

}  // namespace awrap::internal::mysql
