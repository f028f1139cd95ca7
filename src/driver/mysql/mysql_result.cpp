#include "driver/mysql/mysql_result.hpp"

#include <stdexcept>

namespace awrap::internal::mysql {

std::string_view MysqlResult::column_name(std::size_t column) const {
  if (column >= column_names_.size())
    throw std::out_of_range("column " + std::to_string(column) + " out of range");
  return column_names_[column];
}

ColumnType MysqlResult::column_type(std::size_t column) const {
  column_name(column);  // range check
  return column < column_types_.size() ? column_types_[column] : ColumnType{};
}

std::size_t MysqlResult::cell_index(std::size_t row, std::size_t column) const {
  if (row >= row_count_ || column >= column_names_.size())
    throw std::out_of_range("cell (" + std::to_string(row) + ", " + std::to_string(column) +
                            ") out of range");
  return row * column_names_.size() + column;
}

bool MysqlResult::is_null(std::size_t row, std::size_t column) const {
  return nulls_[cell_index(row, column)];
}

std::string_view MysqlResult::value(std::size_t row, std::size_t column) const {
  const std::size_t cell = cell_index(row, column);
  const std::size_t begin = cell == 0 ? 0 : value_ends_[cell - 1];
  return std::string_view(values_).substr(begin, value_ends_[cell] - begin);
}

MysqlResultBuilder::MysqlResultBuilder(std::vector<std::string> column_names)
    : result_(std::make_shared<MysqlResult>()) {
  result_->column_names_ = std::move(column_names);
}

void MysqlResultBuilder::set_column_types(const MYSQL_FIELD* fields, unsigned int count) {
  // Character set 63 is "binary": BLOB, VARBINARY, BINARY and BIT hold bytes, not text.
  constexpr unsigned int kBinaryCharset = 63;
  result_->column_types_.clear();
  for (unsigned int i = 0; i < count; ++i) {
    result_->column_types_.push_back(
        ColumnType{.known = true,
                   .native_type = static_cast<std::uint32_t>(fields[i].type),
                   .modifier = static_cast<std::int32_t>(fields[i].flags),
                   .binary = fields[i].charsetnr == kBinaryCharset});
  }
}

void MysqlResultBuilder::add_value(std::string_view value) {
  result_->values_.append(value);
  result_->value_ends_.push_back(result_->values_.size());
  result_->nulls_.push_back(false);
}

void MysqlResultBuilder::add_null() {
  result_->value_ends_.push_back(result_->values_.size());
  result_->nulls_.push_back(true);
}

std::shared_ptr<const MysqlResult> MysqlResultBuilder::finish(std::int64_t affected_rows) && {
  const std::size_t columns = result_->column_names_.size();
  result_->row_count_ = columns == 0 ? 0 : result_->nulls_.size() / columns;
  result_->affected_rows_ = affected_rows;
  return std::move(result_);
}

}  // namespace awrap::internal::mysql
