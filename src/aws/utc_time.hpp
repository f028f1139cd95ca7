// Building a UTC time point from the digit fields of a timestamp (ISO 8601, X-Amz-Date).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>

namespace awrap::internal::aws {

// Where each field's digits stand in the text: {offset, length}.
struct DigitField {
  std::size_t offset;
  std::size_t length;
};

// system_clock counts nanoseconds in 64 bits: about 292 years either side of 1970. Years outside
// these are refused rather than overflowing (a signed overflow is undefined behaviour).
inline constexpr int kMinUtcYear = 1678;
inline constexpr int kMaxUtcYear = 2261;

// Reads year, month, day, hour, minute, second from `text` at `fields` (in that order). Empty
// when a field holds a non-digit, the date or time does not exist (leap seconds allowed) or the
// time is outside the years [kMinUtcYear, kMaxUtcYear] (a leap second ending kMaxUtcYear too).
// REQUIRES: every field lies within `text`.
std::optional<std::chrono::system_clock::time_point> utc_time_from_fields(
    std::string_view text, const std::array<DigitField, 6>& fields);

}  // namespace awrap::internal::aws
