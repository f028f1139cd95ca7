#include "awrap/result.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "awrap/errors.hpp"
#include "awrap/params.hpp"

namespace awrap {
namespace {

[[noreturn]] void conversion_error(const Field& field, std::string_view wanted,
                                   std::string_view why) {
  throw QueryError("cannot read column '" + std::string(field.name()) + "' as " +
                   std::string(wanted) + ": " + std::string(why));
}

template <typename Int>
Int parse_integer(const Field& field, std::string_view wanted) {
  if (field.is_null()) conversion_error(field, wanted, "value is NULL (use std::optional)");
  std::string_view text = field.text();
  Int value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range)
    conversion_error(field, wanted, "value '" + std::string(text) + "' is out of range");
  if (ec != std::errc() || end != text.data() + text.size())
    conversion_error(field, wanted, "value '" + std::string(text) + "' is not an integer");
  return value;
}

double parse_double(const Field& field) {
  if (field.is_null()) conversion_error(field, "double", "value is NULL (use std::optional)");
  std::string text(field.text());
  if (text == "NaN") return std::nan("");
  if (text == "Infinity") return HUGE_VAL;
  if (text == "-Infinity") return -HUGE_VAL;
  double value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    conversion_error(field, "double", "value '" + text + "' is not a number");
  return value;
}

bool parse_bool(const Field& field) {
  if (field.is_null()) conversion_error(field, "bool", "value is NULL (use std::optional)");
  std::string_view t = field.text();
  if (t == "t" || t == "true" || t == "1" || t == "TRUE") return true;
  if (t == "f" || t == "false" || t == "0" || t == "FALSE") return false;
  conversion_error(field, "bool", "value '" + std::string(t) + "' is not a boolean");
}

template <typename T, typename F>
std::optional<T> optional_of(const Field& field, F convert) {
  if (field.is_null()) return std::nullopt;
  return convert();
}

}  // namespace

Param::Param(double value) : kind_(Kind::kDouble) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  text_.assign(buffer, ec == std::errc() ? end : buffer);
}

template <>
std::int64_t Field::as<std::int64_t>() const {
  return parse_integer<std::int64_t>(*this, "int64");
}
template <>
std::int32_t Field::as<std::int32_t>() const {
  return parse_integer<std::int32_t>(*this, "int32");
}
template <>
double Field::as<double>() const {
  return parse_double(*this);
}
template <>
bool Field::as<bool>() const {
  return parse_bool(*this);
}
template <>
std::string Field::as<std::string>() const {
  if (is_null()) conversion_error(*this, "string", "value is NULL (use std::optional)");
  return std::string(text());
}
template <>
std::string_view Field::as<std::string_view>() const {
  if (is_null()) conversion_error(*this, "string_view", "value is NULL (use std::optional)");
  return text();
}
template <>
std::optional<std::int64_t> Field::as<std::optional<std::int64_t>>() const {
  return optional_of<std::int64_t>(*this, [&] { return as<std::int64_t>(); });
}
template <>
std::optional<std::int32_t> Field::as<std::optional<std::int32_t>>() const {
  return optional_of<std::int32_t>(*this, [&] { return as<std::int32_t>(); });
}
template <>
std::optional<double> Field::as<std::optional<double>>() const {
  return optional_of<double>(*this, [&] { return as<double>(); });
}
template <>
std::optional<bool> Field::as<std::optional<bool>>() const {
  return optional_of<bool>(*this, [&] { return as<bool>(); });
}
template <>
std::optional<std::string> Field::as<std::optional<std::string>>() const {
  return optional_of<std::string>(*this, [&] { return as<std::string>(); });
}
template <>
std::optional<std::string_view> Field::as<std::optional<std::string_view>>() const {
  return optional_of<std::string_view>(*this, [&] { return as<std::string_view>(); });
}

Field Row::at(std::size_t column) const {
  if (column >= size())
    throw std::out_of_range("column " + std::to_string(column) + " out of range (row has " +
                            std::to_string(size()) + " columns)");
  return Field(data_, row_, column);
}

Field Row::at(std::string_view column_name) const {
  for (std::size_t c = 0; c < size(); ++c)
    if (data_->column_name(c) == column_name) return Field(data_, row_, c);
  throw std::out_of_range("no column named '" + std::string(column_name) + "'");
}

std::string_view Result::column_name(std::size_t column) const {
  if (column >= column_count())
    throw std::out_of_range("column " + std::to_string(column) + " out of range");
  return data_->column_name(column);
}

std::size_t Result::column_index(std::string_view name) const {
  for (std::size_t c = 0; c < column_count(); ++c)
    if (data_->column_name(c) == name) return c;
  throw std::out_of_range("no column named '" + std::string(name) + "'");
}

Row Result::at(std::size_t row) const {
  if (row >= size())
    throw std::out_of_range("row " + std::to_string(row) + " out of range (result has " +
                            std::to_string(size()) + " rows)");
  return Row(data_.get(), row);
}

void Result::check_scalar_shape() const {
  if (size() != 1 || column_count() != 1)
    throw QueryError("expected one row with one column, got " + std::to_string(size()) +
                     " rows and " + std::to_string(column_count()) + " columns");
}

}  // namespace awrap
