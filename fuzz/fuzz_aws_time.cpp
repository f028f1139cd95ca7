// Fuzzes the AWS timestamp parsers: ISO 8601 (credential Expiration, AWS_CREDENTIAL_EXPIRATION)
// and X-Amz-Date. The input is one timestamp. Besides crashes and undefined behaviour it checks:
//  - the two parsers agree: the same digits as ISO 8601 and as X-Amz-Date give the same time
//    (or are both refused);
//  - a parsed time formatted as X-Amz-Date parses back to the same second.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "aws/credentials.hpp"
#include "aws/sigv4.hpp"
#include "fuzz_check.hpp"

namespace {

std::string shown(std::chrono::system_clock::time_point t) {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

// "YYYY-MM-DDTHH:MM:SS..." -> "YYYYMMDDTHHMMSSZ" (the same digit fields).
std::string amz_form(std::string_view iso) {
  std::string out;
  out.append(iso.substr(0, 4)).append(iso.substr(5, 2)).append(iso.substr(8, 2)).append("T");
  out.append(iso.substr(11, 2)).append(iso.substr(14, 2)).append(iso.substr(17, 2)).append("Z");
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto iso = awrap::internal::aws::parse_iso8601_utc(text);
  auto amz = awrap::internal::aws::parse_amz_date(text);
  if (iso) {
    auto same_digits = awrap::internal::aws::parse_amz_date(amz_form(text));
    FUZZ_CHECK(same_digits && *same_digits == *iso,
               std::string(text) + " -> " + shown(*iso) + " but " + amz_form(text) + " -> " +
                   (same_digits ? shown(*same_digits) : "refused"));
  }
  for (const auto& t : {iso, amz}) {
    if (!t) continue;
    std::string formatted = awrap::internal::aws::format_amz_date(*t);
    auto again = awrap::internal::aws::parse_amz_date(formatted);
    FUZZ_CHECK(again && *again == std::chrono::floor<std::chrono::seconds>(*t),
               std::string(text) + " -> " + shown(*t) + " -> '" + formatted + "' -> " +
                   (again ? shown(*again) : "refused"));
  }
  return 0;
}
