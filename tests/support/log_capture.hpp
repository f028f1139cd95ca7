// What awrap logs while a test runs: the messages at or above a level, kept for the test to
// search. AWRAP_TEST_DEBUG=1 also echoes everything from debug level up to stderr.
#pragma once

#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "awrap/log.hpp"

namespace awrap::internal::testing {

class LogCapture {
 public:
  explicit LogCapture(LogLevel capture_from = LogLevel::kTrace)
      : previous_level_(log_level()), capture_from_(capture_from) {
    const bool echo = std::getenv("AWRAP_TEST_DEBUG") != nullptr;
    set_log_level(echo && capture_from > LogLevel::kDebug ? LogLevel::kDebug : capture_from);
    set_log_sink([this, echo](LogLevel level, std::string_view message) {
      if (echo) std::cerr << to_string(level) << " " << message << "\n";
      if (level < capture_from_) return;
      std::lock_guard lock(mutex_);
      messages_.emplace_back(message);
    });
  }
  ~LogCapture() {
    set_log_sink(nullptr);
    set_log_level(previous_level_);
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::vector<std::string> messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  // How many captured messages contain `text`.
  int count(std::string_view text) const {
    int n = 0;
    for (const auto& message : messages())
      if (message.find(text) != std::string::npos) ++n;
    return n;
  }
  bool saw(std::string_view text) const { return count(text) > 0; }

 private:
  LogLevel previous_level_;
  LogLevel capture_from_;
  mutable std::mutex mutex_;
  std::vector<std::string> messages_;
};

}  // namespace awrap::internal::testing
