#include "plugin/aurora_connection_tracker/aurora_connection_tracker_plugin.hpp"

#include "core/plugin_runtime.hpp"
#include "topology/open_connection_registry.hpp"
#include "topology/writer_replaced.hpp"

namespace awrap::internal {
namespace {

// What a tracker does when its cluster's writer was replaced: every connection still open to the
// old writer, whichever Connection's, is aborted (the registry forgets them, so the trackers of
// the other Connections of the cluster, told the same event, find nothing left to do). Their
// applications hear of it once the topology's listeners ran, outside their lock.
void abort_connections_to_old_writer(OpenConnectionRegistry& registry,
                                     const WriterReplaced& event) {
  auto listeners = registry.abort_writer_connections(event.old_writer);
  if (listeners.empty()) return;
  CallAbortedEvent aborted;
  aborted.host = event.old_writer;
  aborted.reason = CallAbortReason::kWriterReplaced;
  aborted.detail =
      "cluster " + event.cluster_id + ": the writer is now " +
      (event.new_writer.host.empty() ? std::string("unknown") : event.new_writer.endpoint()) +
      ", no longer " + event.old_writer.endpoint();
  after_writer_replaced_published([listeners = std::move(listeners), aborted = std::move(aborted)] {
    for (const auto& listener : listeners) listener(aborted);
  });
}

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
    if (tracked_)
      runtime_->get<OpenConnectionRegistry>().add(new_host, tracked_,
                                                  service_.call_aborted_listener());
    listen_to_topology();
  }

 private:
  void untrack() {
    if (tracked_) runtime_->get<OpenConnectionRegistry>().remove(tracked_);
    tracked_ = nullptr;
  }

  // Subscribes to the writer changes of this Connection's topology monitor, once it has one (the
  // cluster plugins create it: failover at connect, read/write splitting at its first switch).
  void listen_to_topology() {
    auto monitor = service_.topology_monitor();
    if (!monitor || monitor == monitor_.lock()) return;
    // The listener holds the Runtime: the monitor may call it after this plugin is gone.
    subscription_ =
        monitor->subscribe_writer_replaced([runtime = runtime_](const WriterReplaced& event) {
          abort_connections_to_old_writer(runtime->get<OpenConnectionRegistry>(), event);
        });
    monitor_ = monitor;
  }

  PluginService& service_;
  std::shared_ptr<internal::Runtime> runtime_;  // whose open-connection registry tracks it
  TargetConnection* tracked_ = nullptr;
  std::weak_ptr<ClusterTopology> monitor_;  // the one subscribed to (not kept alive by us)
  std::unique_ptr<TopologySubscription> subscription_;
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

}  // namespace awrap::internal
