#include "plugin/execute_time/execute_time_plugin.hpp"

#include <chrono>

#include "awrap/log.hpp"
#include "base/logging.hpp"

namespace awrap::internal {
namespace {

constexpr std::size_t kMaxSqlInLog = 120;

class ExecuteTimePlugin final : public Plugin {
 public:
  std::string_view code() const noexcept override { return "execute_time"; }
  MethodSet subscribed_methods() const noexcept override { return MethodSet::network_calls(); }

  CallResult call(Call& call, const NextCall& next) override {
    auto start = std::chrono::steady_clock::now();
    try {
      auto result = next(call);
      log(call, start, "");
      return result;
    } catch (...) {
      log(call, start, " (failed)");
      throw;
    }
  }

 private:
  static void log(const Call& call, std::chrono::steady_clock::time_point start,
                  const char* suffix) {
    if (!internal::log_enabled(LogLevel::kInfo)) return;
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start);
    // Masked before it is cut: a cut inside a quoted password would leave a literal the log's
    // own masking cannot recognise.
    std::string masked = mask_secrets(call.sql);
    std::string_view sql = std::string_view(masked).substr(0, kMaxSqlInLog);
    AWRAP_LOG(kInfo) << "execute_time: " << to_string(call.method) << (sql.empty() ? "" : " '")
                     << sql << (masked.size() > kMaxSqlInLog ? "…" : "") << (sql.empty() ? "" : "'")
                     << " took " << static_cast<double>(us.count()) / 1000.0 << " ms" << suffix;
  }
};

}  // namespace

PluginRegistration make_execute_time_registration() {
  // Weight 9010: innermost diagnostics: they time the driver alone. Lower weights run outermost
  // (docs/plugins.md).
  constexpr int weight = 9010;
  return {"execute_time", weight,
          [](PluginService&, const Properties&) { return std::make_unique<ExecuteTimePlugin>(); },
          "Logs the duration of every statement and transaction call (level info)."};
}

}  // namespace awrap::internal
