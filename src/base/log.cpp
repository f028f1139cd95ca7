#include "awrap/log.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <regex>

#include "base/logging.hpp"
#include "base/no_destructor.hpp"
#include "base/thread_annotations.hpp"

namespace awrap {
namespace {

using internal::Mutex;
using internal::MutexLock;
using internal::NoDestructor;

// The process-wide logging configuration, set by the application (set_log_sink, set_log_level):
// one sink and one level. Process configuration, not awrap state, so not in the Runtime
// (docs/architecture.md, "Runtime"; docs/logging.md).
struct LogRegistry {
  Mutex mutex;
  LogSink sink GUARDED_BY(mutex);  // null means stderr
  std::atomic<int> level{static_cast<int>(LogLevel::kWarning)};
};

// Never destroyed: a monitor thread of a Runtime that outlives the other statics still logs.
LogRegistry& registry() {
  static NoDestructor<LogRegistry> instance;
  return instance.get();
}

// A secret is the text of capture group `secret` of `pattern`.
struct MaskRule {
  std::regex pattern;
  int secret;
};

const std::vector<MaskRule>& mask_rules() {
  static NoDestructor<const std::vector<MaskRule>> rules([] {
    auto icase = std::regex::ECMAScript | std::regex::icase;
    std::vector<MaskRule> r;
    // conninfo keywords: password='it''s' or password=plain
    r.push_back(
        {std::regex(R"re(((?:password|passwd|pwd)\s*=\s*)('(?:[^'\\]|\\.|'')*'|[^\s&;,]+))re",
                    icase),
         2});
    // SQL that sets a password: PostgreSQL [ENCRYPTED] PASSWORD 'x'; MySQL IDENTIFIED [WITH
    // plugin] BY|AS 'x', PASSWORD('x'), SET PASSWORD [FOR u] = 'x' (a quoted literal either way).
    // Something must stand between the keyword and the literal: a JSON "password": "…" is the
    // JSON rule's.
    r.push_back(
        {std::regex(
             R"re((\bpassword(?:\s+for\s+\S+)?(?:\s*=\s*(?:(?:old_)?password\s*\(\s*)?|\s*\(\s*|\s+)|\bidentified(?:\s+with\s+[\w'"`]+)?\s+(?:by|as)\s+(?:(?:old_)?password\s*\(\s*)?)('(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"))re",
             icase),
         2});
    // URL userinfo: scheme://user:secret@host
    r.push_back({std::regex(R"re((\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)([^@\s/]+)@)re", icase), 2});
    // JSON members holding secrets (the quotes stay)
    r.push_back(
        {std::regex(
             R"re(("(?:password|secretstring|secretaccesskey|sessiontoken|token|secret_access_key|aws_secret_access_key)"\s*:\s*")((?:[^"\\]|\\.)*)")re",
             icase),
         2});
    // AWS presigned query parameters and Authorization header parts
    r.push_back(
        {std::regex(R"re((X-Amz-(?:Signature|Credential|Security-Token)=)([^&\s"']+))re", icase),
         2});
    r.push_back({std::regex(R"re(((?:Signature|Credential)=)([^,\s"']+))re"), 2});
    r.push_back({std::regex(R"re((x-amz-security-token\s*:\s*)(\S+))re", icase), 2});
    // ini / env style secret keys
    r.push_back(
        {std::regex(R"re(((?:aws_secret_access_key|aws_session_token)\s*[=:]\s*)(\S+))re", icase),
         2});
    // Access key ids
    r.push_back({std::regex(R"re(\b(?:AKIA|ASIA)[A-Z0-9]{16}\b)re"), 0});
    return r;
  }());
  return rules.get();
}

}  // namespace

const char* to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::kTrace:
      return "TRACE";
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarning:
      return "WARNING";
    case LogLevel::kError:
      return "ERROR";
    case LogLevel::kOff:
      break;
  }
  return "OFF";
}

void set_log_sink(LogSink sink) {
  MutexLock lock(registry().mutex);
  registry().sink = std::move(sink);
}

void set_log_level(LogLevel level) {
  registry().level.store(static_cast<int>(level), std::memory_order_relaxed);
}

LogLevel log_level() noexcept {
  return static_cast<LogLevel>(registry().level.load(std::memory_order_relaxed));
}

std::string mask_secrets(std::string_view text) {
  std::string out(text);
  // Cheap pre-check: most messages contain none of the trigger words.
  static constexpr std::string_view kTriggers[] = {"pass",  "pwd",  "@",         "secret",
                                                   "token", "amz",  "signature", "credential",
                                                   "akia",  "asia", "identified"};
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool any = false;
  for (auto t : kTriggers) any = any || lower.find(t) != std::string::npos;
  if (!any) return out;
  // Every rule reads the original text and the secrets they find are masked together: masking
  // one rule's find first could break the text another rule must see whole (a JSON password
  // holding "password=…" would lose its closing quote and show its start).
  std::vector<std::pair<std::size_t, std::size_t>> secrets;  // [begin, end)
  for (const auto& rule : mask_rules()) {
    for (auto it = std::cregex_iterator(text.data(), text.data() + text.size(), rule.pattern);
         it != std::cregex_iterator(); ++it) {
      const auto& group = (*it)[rule.secret];
      if (group.matched && group.length() > 0) {
        auto begin = static_cast<std::size_t>(group.first - text.data());
        secrets.emplace_back(begin, begin + static_cast<std::size_t>(group.length()));
      }
    }
  }
  if (secrets.empty()) return out;
  std::sort(secrets.begin(), secrets.end());
  std::string masked;
  std::size_t copied = 0;
  for (auto [begin, end] : secrets) {
    if (end <= copied) continue;  // inside a secret already masked
    if (begin >= copied) {
      masked.append(text.substr(copied, begin - copied));
      masked += "***";
    }
    copied = end;
  }
  masked.append(text.substr(copied));
  return masked;
}

namespace internal {

bool log_enabled(LogLevel level) noexcept {
  return static_cast<int>(level) >= registry().level.load(std::memory_order_relaxed) &&
         level != LogLevel::kOff;
}

void log_message(LogLevel level, std::string_view message) {
  std::string masked = mask_secrets(message);
  MutexLock lock(registry().mutex);
  if (registry().sink) {
    registry().sink(level, masked);
  } else {
    std::fprintf(stderr, "awrap %s: %s\n", to_string(level), masked.c_str());
  }
}

}  // namespace internal
}  // namespace awrap
