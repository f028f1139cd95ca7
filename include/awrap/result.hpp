// Query results.
//
//   awrap::Result r = conn.execute("SELECT id, name, score FROM players ORDER BY id");
//   for (const awrap::Row& row : r) {
//     int64_t id = row[0].as<int64_t>();
//     std::optional<std::string> name = row["name"].as<std::optional<std::string>>();
//     double score = row.at("score").as<double>();
//   }
//   r.affected_rows();  // for INSERT/UPDATE/DELETE
//
// A Result owns its data and stays valid after the Connection moves on, fails over or closes.
// Conversions are checked: as<int64_t>() on "abc" or on NULL throws QueryError naming the column
// and the value's problem; read NULLs with as<std::optional<T>>() or is_null().
// Results are immutable and may be read from several threads at once.
#pragma once

#include "awrap/export.hpp"

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace awrap {

// The server's own type of a result column, for bindings to typed languages (awrap's Python
// package turns values into int, Decimal, datetime … with it).
struct AWRAP_EXPORT ColumnType {
  bool known = false;  // false: the driver does not report types (values are text)
  // PostgreSQL: the type OID (23 int4, 1700 numeric …). MySQL/MariaDB: enum_field_types
  // (3 LONG, 246 NEWDECIMAL …).
  std::uint32_t native_type = 0;
  // PostgreSQL: the type modifier (-1 when none). MySQL/MariaDB: the field flags.
  std::int32_t modifier = -1;
  // MySQL/MariaDB: the column holds bytes (binary character set), not text.
  bool binary = false;
};

// What a target driver hands back for one statement. Extension API: implemented by drivers.
class AWRAP_EXPORT ResultData {
 public:
  virtual ~ResultData() = default;
  virtual std::size_t row_count() const noexcept = 0;
  virtual std::size_t column_count() const noexcept = 0;
  virtual std::string_view column_name(std::size_t column) const = 0;
  virtual bool is_null(std::size_t row, std::size_t column) const = 0;
  // Text form of the value (PostgreSQL text output, MySQL text protocol).
  virtual std::string_view value(std::size_t row, std::size_t column) const = 0;
  // Rows inserted, updated or deleted; 0 for a query that returns rows.
  virtual std::int64_t affected_rows() const noexcept = 0;
  // The column's server type; drivers that do not know it keep this default.
  virtual ColumnType column_type(std::size_t column) const {
    (void)column;
    return {};
  }
};

class AWRAP_EXPORT Field {
 public:
  Field(const ResultData* data, std::size_t row, std::size_t column)
      : data_(data), row_(row), column_(column) {}

  bool is_null() const { return data_->is_null(row_, column_); }
  std::string_view text() const { return data_->value(row_, column_); }
  std::string_view name() const { return data_->column_name(column_); }

  // T is one of: int64_t, int32_t, double, bool, std::string, std::string_view, or
  // std::optional of one of those (empty for NULL).
  template <typename T>
  T as() const;

 private:
  const ResultData* data_;
  std::size_t row_;
  std::size_t column_;
};

template <>
std::int64_t Field::as<std::int64_t>() const;
template <>
std::int32_t Field::as<std::int32_t>() const;
template <>
double Field::as<double>() const;
template <>
bool Field::as<bool>() const;
template <>
std::string Field::as<std::string>() const;
template <>
std::string_view Field::as<std::string_view>() const;
template <>
std::optional<std::int64_t> Field::as<std::optional<std::int64_t>>() const;
template <>
std::optional<std::int32_t> Field::as<std::optional<std::int32_t>>() const;
template <>
std::optional<double> Field::as<std::optional<double>>() const;
template <>
std::optional<bool> Field::as<std::optional<bool>>() const;
template <>
std::optional<std::string> Field::as<std::optional<std::string>>() const;
template <>
std::optional<std::string_view> Field::as<std::optional<std::string_view>>() const;

class AWRAP_EXPORT Row {
 public:
  Row(const ResultData* data, std::size_t row) : data_(data), row_(row) {}
  std::size_t size() const noexcept { return data_->column_count(); }
  Field operator[](std::size_t column) const { return Field(data_, row_, column); }
  Field operator[](std::string_view column_name) const { return at(column_name); }
  // Throws std::out_of_range naming the column when it does not exist.
  Field at(std::size_t column) const;
  Field at(std::string_view column_name) const;

 private:
  const ResultData* data_;
  std::size_t row_;
};

class AWRAP_EXPORT Result {
 public:
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Row;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Row;
    Iterator() = default;
    Iterator(const ResultData* data, std::size_t row) : data_(data), row_(row) {}
    Row operator*() const { return Row(data_, row_); }
    Iterator& operator++() {
      ++row_;
      return *this;
    }
    Iterator operator++(int) {
      Iterator old = *this;
      ++row_;
      return old;
    }
    bool operator==(const Iterator& other) const { return row_ == other.row_; }

   private:
    const ResultData* data_ = nullptr;
    std::size_t row_ = 0;
  };

  Result() = default;
  explicit Result(std::shared_ptr<const ResultData> data) : data_(std::move(data)) {}

  std::size_t size() const noexcept { return data_ ? data_->row_count() : 0; }
  bool empty() const noexcept { return size() == 0; }
  std::size_t column_count() const noexcept { return data_ ? data_->column_count() : 0; }
  std::string_view column_name(std::size_t column) const;
  // Index of a column by name; throws std::out_of_range when absent.
  std::size_t column_index(std::string_view column_name) const;
  std::int64_t affected_rows() const noexcept { return data_ ? data_->affected_rows() : 0; }
  ColumnType column_type(std::size_t column) const {
    return data_ ? data_->column_type(column) : ColumnType{};
  }

  Row operator[](std::size_t row) const { return Row(data_.get(), row); }
  // Throws std::out_of_range when row >= size().
  Row at(std::size_t row) const;
  Iterator begin() const { return Iterator(data_.get(), 0); }
  Iterator end() const { return Iterator(data_.get(), size()); }

  // The single value of a one-row, one-column result (e.g. SELECT count(*)). Throws QueryError
  // when the result has another shape.
  template <typename T>
  T scalar() const {
    check_scalar_shape();
    return Field(data_.get(), 0, 0).as<T>();
  }

  const std::shared_ptr<const ResultData>& data() const noexcept { return data_; }

 private:
  void check_scalar_shape() const;
  std::shared_ptr<const ResultData> data_;
};

}  // namespace awrap
