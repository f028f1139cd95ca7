#include "driver/mysql/mysql_text_format.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace awrap::internal::mysql {
namespace {

// The server switches to exponent notation beyond this decimal exponent (DBL_DIG).
constexpr int kMaxDecimalPointForFixed = 15;

// scientific is "[-]d[.ddd]e[+-]xx" (std::to_chars scientific output).
std::string server_notation(std::string_view scientific) {
  std::string out;
  if (!scientific.empty() && scientific.front() == '-') {
    out = "-";
    scientific.remove_prefix(1);
  }
  const std::size_t e = scientific.find('e');
  const std::string_view mantissa = scientific.substr(0, e);
  int exponent = 0;
  if (e != std::string_view::npos) {
    std::string_view exponent_text = scientific.substr(e + 1);
    if (!exponent_text.empty() && exponent_text.front() == '+') exponent_text.remove_prefix(1);
    std::from_chars(exponent_text.data(), exponent_text.data() + exponent_text.size(), exponent);
  }
  std::string digits;
  for (char c : mantissa)
    if (c != '.') digits += c;
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  if (digits == "0") return out + "0";

  const int length = static_cast<int>(digits.size());
  const int decimal_point = exponent + 1;  // digits before the decimal point
  const bool fixed = decimal_point >= 1 - kMaxDecimalPointForFixed &&
                     (decimal_point <= kMaxDecimalPointForFixed || length > decimal_point);
  if (fixed) {
    if (decimal_point <= 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-decimal_point), '0');
      out += digits;
    } else if (decimal_point < length) {
      out += digits.substr(0, static_cast<std::size_t>(decimal_point));
      out += '.';
      out += digits.substr(static_cast<std::size_t>(decimal_point));
    } else {
      out += digits;
      out.append(static_cast<std::size_t>(decimal_point - length), '0');
    }
    return out;
  }
  out += digits[0];
  if (length > 1) {
    out += '.';
    out += digits.substr(1);
  }
  out += 'e';
  out += std::to_string(exponent);
  return out;
}

std::string non_finite(double value) {
  if (std::isnan(value)) return "nan";
  return value < 0 ? "-inf" : "inf";
}

void append_fraction(std::string& out, unsigned long microseconds, unsigned int fraction_digits) {
  unsigned int digits = fraction_digits;
  if (digits > 6) digits = microseconds != 0 ? 6 : 0;
  if (digits == 0) return;
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "%06lu", microseconds % 1000000);
  out += '.';
  out.append(buffer, digits);
}

}  // namespace

std::string format_double(double value) {
  if (!std::isfinite(value)) return non_finite(value);
  char buffer[64];
  const auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  return server_notation(std::string_view(buffer, ec == std::errc() ? end - buffer : 0));
}

std::string format_float(float value) {
  if (!std::isfinite(value)) return non_finite(value);
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, static_cast<double>(value),
                                       std::chars_format::scientific, 5);
  return server_notation(std::string_view(buffer, ec == std::errc() ? end - buffer : 0));
}

std::string format_date(unsigned int year, unsigned int month, unsigned int day) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04u-%02u-%02u", year, month, day);
  return buffer;
}

std::string format_datetime(unsigned int year, unsigned int month, unsigned int day,
                            unsigned int hour, unsigned int minute, unsigned int second,
                            unsigned long microseconds, unsigned int fraction_digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04u-%02u-%02u %02u:%02u:%02u", year, month, day, hour,
                minute, second);
  std::string out = buffer;
  append_fraction(out, microseconds, fraction_digits);
  return out;
}

std::string format_time(bool negative, unsigned long hours, unsigned int minute,
                        unsigned int second, unsigned long microseconds,
                        unsigned int fraction_digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s%02lu:%02u:%02u", negative ? "-" : "", hours, minute,
                second);
  std::string out = buffer;
  append_fraction(out, microseconds, fraction_digits);
  return out;
}

}  // namespace awrap::internal::mysql
