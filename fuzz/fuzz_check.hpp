// What the fuzz targets share: a property check that stops the run with a readable message (a
// failed check is a finding, like a crash), and quiet logging so a run measures the parser.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "awrap/log.hpp"

namespace awrap::internal::fuzz {

// `text` with control bytes (NUL, newlines, ...) shown as \xNN, to print one readable line.
inline std::string printable(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (c >= 0x20 && c != 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

[[noreturn]] inline void fail(const char* file, int line, const char* condition,
                              const std::string& detail) {
  std::fprintf(stderr, "%s:%d: property violated: %s\n  %s\n", file, line, condition,
               printable(detail).c_str());
  std::abort();
}

// For LLVMFuzzerInitialize: log nothing (warnings for odd input are expected by the thousand).
inline void quiet_logging() {
  set_log_level(LogLevel::kOff);
}

// A marker the parsers never put into a message on their own; fuzz targets wrap secrets in it
// so a leak of the secret's start or end shows as the marker in an error message.
inline constexpr std::string_view kSecretHead = "S3~";
inline constexpr std::string_view kSecretTail = "~3S";

inline std::string marked_secret(std::string_view body) {
  return std::string(kSecretHead) + std::string(body) + std::string(kSecretTail);
}

inline bool shows_secret_marker(std::string_view text) {
  return text.find(kSecretHead) != std::string_view::npos ||
         text.find(kSecretTail) != std::string_view::npos;
}

}  // namespace awrap::internal::fuzz

#define FUZZ_CHECK(condition, detail)                                                        \
  do {                                                                                       \
    if (!(condition)) ::awrap::internal::fuzz::fail(__FILE__, __LINE__, #condition, detail); \
  } while (false)
