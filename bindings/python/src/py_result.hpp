// A statement's result as Python sees it: rows become tuples of Python values on demand, each
// column converted by a plan made once per result from the server's column types.
#pragma once

#include <pybind11/pybind11.h>

#include <string_view>
#include <vector>

#include "awrap/result.hpp"

namespace awrap::python {

namespace py = pybind11;

// How one column's text becomes a Python value.
enum class ValueKind { kText, kInt, kFloat, kBool, kBytesHex, kBytesRaw, kConverter };

struct ColumnPlan {
  ValueKind kind = ValueKind::kText;
  py::object converter;  // kConverter: a callable taking the text (str, or bytes when binary)
  bool converter_takes_bytes = false;
};

// Per-engine converters for the types C++ does not turn into values itself (numeric, dates,
// uuid, …), registered by the Python package at import: {type code: callable}.
struct Converters {
  py::dict pg;
  py::dict mysql;
};
Converters& converters();

class PyResult {
 public:
  PyResult(Result result, bool mysql);

  std::size_t row_count() const noexcept { return result_.size(); }
  // Rows written for INSERT/UPDATE/DELETE, rows returned otherwise (PEP 249 rowcount).
  std::int64_t rowcount() const noexcept;
  std::size_t column_count() const noexcept { return plans_.size(); }
  // [(name, type code, modifier, binary)], one per column.
  py::list columns() const;
  py::tuple row(std::size_t index) const;
  // Rows [start, stop) clamped to the result.
  py::list rows(std::size_t start, std::size_t stop) const;

 private:
  py::object value(std::size_t row, std::size_t column) const;

  Result result_;
  std::vector<ColumnPlan> plans_;
};

}  // namespace awrap::python
