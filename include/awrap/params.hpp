// Statement parameters.
//
//   conn.execute("INSERT INTO t(id, name, score) VALUES ($1, $2, $3)", {42, "ada", nullptr});
//
// Placeholders are the engine's own: $1, $2 … on PostgreSQL, ? on MySQL/MariaDB. Values are sent
// as text; the server converts them to the column types. nullptr or std::nullopt sends NULL.
#pragma once

#include "awrap/export.hpp"

#include <charconv>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awrap {

class AWRAP_EXPORT Param {
 public:
  // What the value was given as; drivers use it to bind a fitting type (MySQL wants 1/0 for a
  // bool, PostgreSQL accepts "true"/"false").
  enum class Kind { kNull, kBool, kInteger, kDouble, kText };

  Param(std::nullptr_t) {}
  Param(std::nullopt_t) {}
  Param(bool value) : kind_(Kind::kBool), text_(value ? "true" : "false") {}
  template <std::integral T>
  requires(!std::same_as<T, bool> && !std::same_as<T, char>) Param(T value)
      : kind_(Kind::kInteger), text_(std::to_string(value)) {}
  Param(double value);
  Param(const char* value) : kind_(Kind::kText), text_(value) {}
  Param(std::string_view value) : kind_(Kind::kText), text_(std::string(value)) {}
  Param(std::string value) : kind_(Kind::kText), text_(std::move(value)) {}
  template <typename T>
  Param(const std::optional<T>& value) {
    if (value) *this = Param(*value);
  }

  Kind kind() const noexcept { return kind_; }
  bool is_null() const noexcept { return kind_ == Kind::kNull; }
  // The text form sent to the server ("true"/"false" for a bool). Empty for NULL.
  const std::string& text() const noexcept { return text_; }

 private:
  Kind kind_ = Kind::kNull;
  std::string text_;
};

using Params = std::vector<Param>;

}  // namespace awrap
