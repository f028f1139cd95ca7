#include "aws/utc_time.hpp"

namespace awrap::internal::aws {

std::optional<std::chrono::system_clock::time_point> utc_time_from_fields(
    std::string_view text, const std::array<DigitField, 6>& fields) {
  std::array<int, 6> v{};
  for (std::size_t f = 0; f < fields.size(); ++f) {
    for (std::size_t i = fields[f].offset; i < fields[f].offset + fields[f].length; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      v[f] = v[f] * 10 + (text[i] - '0');
    }
  }
  auto [year, month, day, hour, minute, second] = v;
  if (year < kMinUtcYear || year > kMaxUtcYear || month < 1 || month > 12 || day < 1 || hour > 23 ||
      minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::chrono::year_month_day ymd{std::chrono::year{year}, std::chrono::month{unsigned(month)},
                                  std::chrono::day{unsigned(day)}};
  if (!ymd.ok()) return std::nullopt;
  auto time = std::chrono::sys_days{ymd} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
              std::chrono::seconds{second};
  // A leap second on the last day of kMaxUtcYear rolls into the next year: refused, so that every
  // accepted time formats as a timestamp these parsers accept again.
  if (time >= std::chrono::sys_days{std::chrono::year{kMaxUtcYear + 1} / 1 / 1})
    return std::nullopt;
  return time;
}

}  // namespace awrap::internal::aws
