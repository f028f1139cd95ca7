#include "plugin/aurora_connection_tracker/aurora_connection_tracker_plugin.hpp"

#include "core/plugin_runtime.hpp"
#include "topology/open_connection_registry.hpp"

namespace awrap {
namespace {

class AuroraConnectionTrackerPlugin final : public Plugin {
 public:
  explicit AuroraConnectionTrackerPlugin(PluginService& service)
      : service_(service), runtime_(runtime_of(service)) {}
  ~AuroraConnectionTrackerPlugin() override { untrack(); }

  std::string_view code() const noexcept override { return "aurora_connection_tracker"; }
  MethodSet subscribed_methods() const noexcept override { return {Method::kClose}; }

  CallResult call(Call& call, const NextCall& next) override {
    if (call.method == Method::kClose) untrack();  // before the Connection closes it
    return next(call);
  }

  void on_connection_changed(const HostInfo&, const HostInfo& new_host) override {
    untrack();
    tracked_ = service_.current_connection();
    if (tracked_) runtime_->get<OpenConnectionRegistry>().add(new_host, tracked_);
  }

 private:
  void untrack() {
    if (tracked_) runtime_->get<OpenConnectionRegistry>().remove(tracked_);
    tracked_ = nullptr;
  }

  PluginService& service_;
  std::shared_ptr<internal::Runtime> runtime_;  // whose open-connection registry tracks it
  TargetConnection* tracked_ = nullptr;
};

}  // namespace

PluginRegistration make_aurora_connection_tracker_registration() {
  // Weight 200. Lower weights run outermost (docs/plugins.md).
  constexpr int weight = 200;
  return {
      "aurora_connection_tracker", weight,
      [](PluginService& service, const Properties&) {
        return std::make_unique<AuroraConnectionTrackerPlugin>(service);
      },
      "After a failover, closes connections still open to the old writer so they fail over too."};
}

}  // namespace awrap
