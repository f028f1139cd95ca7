// Fuzzes mask_secrets, which every log line passes through (log lines quote SQL, conninfo,
// URLs, JSON and HTTP headers, so the text is untrusted). The input's first line is a secret,
// the rest a log message. Besides crashes (e.g. regex recursion on long text) it checks that a
// password written in the usual forms next to the message is masked:
//   password='…' (conninfo, quoted), password=… (unquoted, no blanks), scheme://user:…@host,
//   "password": "…" (JSON).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "awrap/log.hpp"
#include "fuzz_check.hpp"

namespace {

void check_masked(const std::string& message) {
  std::string masked = awrap::mask_secrets(message);
  FUZZ_CHECK(!awrap::internal::fuzz::shows_secret_marker(masked), message + "\n  -> " + masked);
}

bool has_any(std::string_view s, std::string_view chars) {
  return s.find_first_of(chars) != std::string_view::npos;
}

std::string conninfo_quoted(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)awrap::mask_secrets(input);
  if (awrap::internal::fuzz::shows_secret_marker(input)) return 0;
  auto newline = input.find('\n');
  if (newline == std::string_view::npos) return 0;
  std::string_view body = input.substr(0, newline);
  std::string secret = awrap::internal::fuzz::marked_secret(body);
  std::string message(input.substr(newline + 1));
  // A message that itself ends inside a quote or escape may swallow what follows: separate them.
  std::string prefix = message + " ";
  if (has_any(message, "'\"\\")) prefix.clear();

  check_masked(prefix + "password=" + conninfo_quoted(secret));
  if (!has_any(secret, " \t\n\r\f\v&;,'\"\\")) check_masked(prefix + "password=" + secret);
  if (!has_any(secret, "@/ \t\n\r\f\v"))
    check_masked(prefix + "postgresql://app:" + secret + "@db/app");
  std::string json_value =
      nlohmann::json(secret).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  check_masked(prefix + "{\"password\": " + json_value + "}");
  return 0;
}
