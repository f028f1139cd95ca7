// Internal logging front end: AWRAP_LOG(kInfo) << "connected to " << host;
// The message is built only when the level is enabled; secrets are masked before the sink.
#pragma once

#include <sstream>
#include <string_view>

#include "awrap/log.hpp"

namespace awrap::internal {

bool log_enabled(LogLevel level) noexcept;
void log_message(LogLevel level, std::string_view message);

class LogLine {
 public:
  explicit LogLine(LogLevel level) : level_(level) {}
  ~LogLine() { log_message(level_, stream_.str()); }
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;
  template <typename T>
  LogLine& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};

}  // namespace awrap::internal

#define AWRAP_LOG(level)                                           \
  if (!::awrap::internal::log_enabled(::awrap::LogLevel::level)) { \
  } else                                                           \
    ::awrap::internal::LogLine(::awrap::LogLevel::level)
