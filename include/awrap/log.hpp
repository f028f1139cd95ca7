// Logging. awrap is silent by default (level kWarning to stderr). Route it into your own logger:
//
//   awrap::set_log_level(awrap::LogLevel::kDebug);
//   awrap::set_log_sink([](awrap::LogLevel level, std::string_view message) {
//     my_logger.write(awrap::to_string(level), message);
//   });
//
// Every message passes through mask_secrets() before it reaches the sink: passwords, IAM tokens,
// AWS signatures and keys and secret values never reach it.
#pragma once

#include "awrap/export.hpp"

#include <functional>
#include <string>
#include <string_view>

namespace awrap {

enum class LogLevel : int { kTrace = 0, kDebug, kInfo, kWarning, kError, kOff };

AWRAP_EXPORT const char* to_string(LogLevel level) noexcept;

using LogSink = std::function<void(LogLevel level, std::string_view message)>;

// Process-wide logging configuration (a documented registry; thread-safe). A null sink restores
// the default (stderr). The sink may be called from awrap's background threads concurrently.
AWRAP_EXPORT void set_log_sink(LogSink sink);
AWRAP_EXPORT void set_log_level(LogLevel level);
LogLevel log_level() noexcept;

// Replaces secrets in free text with "***": password=… in conninfo strings, passwords in URLs,
// "password"/"SecretString" JSON members, AWS signatures, credentials, security tokens and
// secret access keys. Used for every log message and error message.
AWRAP_EXPORT std::string mask_secrets(std::string_view text);

}  // namespace awrap
