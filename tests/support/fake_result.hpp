// An in-memory ResultData for unit tests of result handling and plugins.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "awrap/result.hpp"

namespace awrap::internal::testing {

class FakeResult final : public ResultData {
 public:
  FakeResult(std::vector<std::string> columns,
             std::vector<std::vector<std::optional<std::string>>> rows, std::int64_t affected = 0)
      : columns_(std::move(columns)), rows_(std::move(rows)), affected_(affected) {}
  std::size_t row_count() const noexcept override { return rows_.size(); }
  std::size_t column_count() const noexcept override { return columns_.size(); }
  std::string_view column_name(std::size_t c) const override { return columns_.at(c); }
  bool is_null(std::size_t r, std::size_t c) const override {
    return !rows_.at(r).at(c).has_value();
  }
  std::string_view value(std::size_t r, std::size_t c) const override {
    const auto& v = rows_.at(r).at(c);
    return v ? std::string_view(*v) : std::string_view();
  }
  std::int64_t affected_rows() const noexcept override { return affected_; }

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<std::optional<std::string>>> rows_;
  std::int64_t affected_;
};

}  // namespace awrap::internal::testing
