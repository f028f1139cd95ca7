#include "plugin/host_monitoring/host_monitoring_plugin.hpp"

#include "awrap/properties.hpp"
#include "base/logging.hpp"
#include "core/plugin_runtime.hpp"
#include "plugin/host_monitoring/host_monitor.hpp"

namespace awrap::internal {
namespace {

MonitorSettings settings_from(const Properties& props) {
  MonitorSettings s;
  s.detection_time = std::chrono::milliseconds(props.get_int("failure_detection_time_ms"));
  s.interval = std::chrono::milliseconds(props.get_int("failure_detection_interval_ms"));
  s.count = static_cast<int>(props.get_int("failure_detection_count"));
  s.disposal = std::chrono::milliseconds(props.get_int("monitor_disposal_time_ms"));
  return s;
}

class HostMonitoringPlugin final : public Plugin {
 public:
  HostMonitoringPlugin(PluginService& service, const Properties& props)
      : service_(service),
        runtime_(runtime_of(service)),
        enabled_(props.get_bool("failure_detection_enabled")),
        settings_(settings_from(props)) {}

  ~HostMonitoringPlugin() override { unbind(); }

  std::string_view code() const noexcept override { return "host_monitoring"; }
  MethodSet subscribed_methods() const noexcept override {
    if (!enabled_) return {};
    return MethodSet::network_calls().with(Method::kConnect).with(Method::kClose);
  }

  std::unique_ptr<TargetConnection> connect(ConnectRequest& request,
                                            const NextConnect& next) override {
    auto conn = next(request);
    // As the authentication plugins (outside this one) left it: the probe logs in the same way.
    last_spec_ = request.spec;
    have_spec_ = true;
    if (monitor_) monitor_->update_credentials(request.spec);
    return conn;
  }

  CallResult call(Call& call, const NextCall& next) override {
    if (call.method == Method::kClose) {
      unbind();  // before the physical connection is closed and freed
      return next(call);
    }
    TargetConnection* connection = service_.current_connection();
    if (connection == nullptr) return next(call);
    if (connection != bound_ || monitor_->disposed()) {
      try {
        bind(connection);
      } catch (const std::exception& e) {
        // Monitoring must never fail the application's call (e.g. no thread could be started).
        AWRAP_LOG(kWarning) << "host monitoring unavailable for this call: " << e.what();
        unbind();
        return next(call);
      }
    }
    registration_->begin_call();
    struct EndCall {
      MonitoredConnection& registration;
      ~EndCall() { registration.end_call(); }
    } end_call{*registration_};
    return next(call);
  }

  // The physical connection moved (failover, reconnect): the next call registers with the new
  // host's monitor. Delivered before the old connection is closed.
  void on_connection_changed(const HostInfo& /*old_host*/, const HostInfo& /*new_host*/) override {
    unbind();
  }

 private:
  void bind(TargetConnection* connection) {
    unbind();
    HostMonitorKey key;
    key.driver = service_.shared_driver();
    key.host = service_.current_host();
    if (key.host.host.empty()) key.host = connection->host();
    key.probe_spec = have_spec_ ? last_spec_ : service_.initial_spec();
    apply_monitoring_properties(key.probe_spec);
    key.probe_spec.host = key.host;
    key.settings = settings_;
    // monitoring-user / monitoring-password name the probe's own login; otherwise it logs in as
    // the application does, with credentials fresh from the authentication plugins.
    const auto& monitoring = service_.properties().monitoring();
    if (!monitoring.contains("user") && !monitoring.contains("password"))
      key.credentials = service_.background_credentials();
    if (!registration_) registration_ = std::make_shared<MonitoredConnection>();
    monitor_ = acquire_host_monitor(*runtime_, key);
    // The application hears of an abort of this physical connection (on_call_aborted).
    monitor_->attach(registration_, connection, service_.call_aborted_listener());
    bound_ = connection;
  }

  void unbind() noexcept {
    if (monitor_) monitor_->detach(registration_.get());
    monitor_.reset();
    bound_ = nullptr;
  }

  // `monitoring-` properties: credentials and native options for the probe session only.
  void apply_monitoring_properties(ConnectSpec& spec) const {
    for (const auto& [name, value] : service_.properties().monitoring()) {
      if (name == "user") {
        spec.user = value;
      } else if (name == "password") {
        spec.password = value;
      } else if (name == "dbname" || name == "database") {
        spec.database = value;
      } else if (!find_property(name)) {
        spec.native_options[name] = value;
      }
    }
  }

  PluginService& service_;
  std::shared_ptr<internal::Runtime> runtime_;  // whose monitor loop drives monitor_
  const bool enabled_;
  const MonitorSettings settings_;
  ConnectSpec last_spec_;
  bool have_spec_ = false;
  std::shared_ptr<MonitoredConnection> registration_;
  std::shared_ptr<HostMonitor> monitor_;
  TargetConnection* bound_ = nullptr;
};

}  // namespace

PluginRegistration make_host_monitoring_registration() {
  // Weight 500: inside failover: the ConnectionLostError of an aborted call reaches failover. Lower
  // weights run outermost (docs/plugins.md).
  constexpr int weight = 500;
  return {"host_monitoring", weight,
          [](PluginService& service, const Properties& props) {
            return std::make_unique<HostMonitoringPlugin>(service, props);
          },
          "Enhanced failure monitoring: probes the host of a call that runs longer than "
          "failure_detection_time_ms and aborts it when the host stops answering, so failover "
          "starts at once."};
}

}  // namespace awrap::internal
