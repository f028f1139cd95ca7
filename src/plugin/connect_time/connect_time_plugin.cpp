#include "plugin/connect_time/connect_time_plugin.hpp"

#include <chrono>

#include "base/logging.hpp"

namespace awrap::internal {
namespace {

class ConnectTimePlugin final : public Plugin {
 public:
  std::string_view code() const noexcept override { return "connect_time"; }
  MethodSet subscribed_methods() const noexcept override { return {Method::kConnect}; }

  std::unique_ptr<TargetConnection> connect(ConnectRequest& request,
                                            const NextConnect& next) override {
    auto start = std::chrono::steady_clock::now();
    try {
      auto conn = next(request);
      log(request, start, "connected to ");
      return conn;
    } catch (...) {
      log(request, start, "failed to connect to ");
      throw;
    }
  }

 private:
  static void log(const ConnectRequest& request, std::chrono::steady_clock::time_point start,
                  const char* what) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start);
    AWRAP_LOG(kInfo) << "connect_time: " << what << request.spec.host.endpoint() << " in "
                     << static_cast<double>(us.count()) / 1000.0 << " ms";
  }
};

}  // namespace

PluginRegistration make_connect_time_registration() {
  // Weight 9000: innermost diagnostics: they time the driver alone. Lower weights run outermost
  // (docs/plugins.md).
  constexpr int weight = 9000;
  return {"connect_time", weight,
          [](PluginService&, const Properties&) { return std::make_unique<ConnectTimePlugin>(); },
          "Logs the duration of every physical connect (level info)."};
}

}  // namespace awrap::internal
