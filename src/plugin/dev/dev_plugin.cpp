#include "plugin/dev/dev_plugin.hpp"

#include "awrap/errors.hpp"
#include "base/logging.hpp"

namespace awrap::internal {
namespace {

class DevPlugin final : public Plugin {
 public:
  DevPlugin(PluginService& service, const Properties& props)
      : service_(service),
        method_(props.get_choice("dev_inject_error_on")),
        error_class_(props.get_choice("dev_inject_error_class")),
        remaining_(props.get_int("dev_inject_error_count")) {}

  std::string_view code() const noexcept override { return "dev"; }
  MethodSet subscribed_methods() const noexcept override { return MethodSet::all(); }

  CallResult call(Call& call, const NextCall& next) override {
    maybe_inject(to_string(call.method), service_.current_host());
    return next(call);
  }

  std::unique_ptr<TargetConnection> connect(ConnectRequest& request,
                                            const NextConnect& next) override {
    maybe_inject("connect", request.spec.host);
    return next(request);
  }

 private:
  void maybe_inject(std::string_view method, const HostInfo& host) {
    if (remaining_ <= 0 || method != method_) return;
    --remaining_;
    AWRAP_LOG(kDebug) << "dev: injecting a " << error_class_ << " error into " << method;
    throw_injected_error(error_class_, host, method);
  }

  PluginService& service_;
  std::string method_;
  std::string error_class_;
  std::int64_t remaining_;
};

}  // namespace

void throw_injected_error(std::string_view error_class, const HostInfo& host,
                          std::string_view method) {
  std::string where = host.endpoint();
  std::string msg = "injected " + std::string(error_class) + " error on " + std::string(method) +
                    " by the dev plugin";
  if (error_class == "network") throw ConnectionLostError(msg, "08006", 0, where);
  if (error_class == "login") throw AuthError(msg, "28P01", 0, where);
  if (error_class == "cancel") throw QueryCancelledError(msg, "57014", 0, where);
  if (error_class == "read_only") throw ReadOnlyViolationError(msg, "25006", 0, where);
  if (error_class == "connect") throw ConnectError(msg, "08001", 0, where);
  throw QueryError(msg, "42000", 0, where);
}

PluginRegistration make_dev_registration() {
  // Weight 10000: last: every other plugin sees its injected errors as if the driver raised them.
  // Lower weights run outermost (docs/plugins.md).
  constexpr int weight = 10000;
  return {"dev", weight,
          [](PluginService& service, const Properties& props) {
            return std::make_unique<DevPlugin>(service, props);
          },
          "Injects an error on the next call of a chosen method (testing only)."};
}

}  // namespace awrap::internal
