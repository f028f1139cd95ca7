// Uses only the installed headers of the extension API: a plugin that reads what PluginService
// tells of the cluster. It compiles only if every type the extension API names is complete there.
#include <awrap/awrap.hpp>
#include <awrap/ext/plugin.hpp>
#include <iostream>
#include <memory>

namespace {

class WriterWatch final : public awrap::Plugin {
 public:
  explicit WriterWatch(awrap::PluginService& service) : service_(service) {}
  std::string_view code() const noexcept override { return "writer_watch"; }
  awrap::MethodSet subscribed_methods() const noexcept override {
    return {awrap::Method::kConnect};
  }
  std::unique_ptr<awrap::TargetConnection> connect(awrap::ConnectRequest& request,
                                                   const awrap::NextConnect& next) override {
    auto connection = next(request);
    if (auto dialect = service_.dialect_for(*connection))
      std::cout << "dialect " << dialect->code() << "\n";
    if (auto cluster = service_.topology_monitor_for(*connection)) {
      awrap::TopologyPtr topology = cluster->topology();
      if (topology && topology->writer()) std::cout << "writer " << topology->writer()->endpoint();
      subscription_ = cluster->subscribe_writer_replaced([](const awrap::WriterReplaced& event) {
        std::cout << "new writer " << event.new_writer.endpoint() << "\n";
      });
    }
    return connection;
  }

 private:
  awrap::PluginService& service_;
  std::unique_ptr<awrap::TopologySubscription> subscription_;
};

}  // namespace

int main() {
  awrap::register_plugin({"writer_watch", 500,
                          [](awrap::PluginService& service, const awrap::Properties&) {
                            return std::make_unique<WriterWatch>(service);
                          },
                          "Prints the cluster's writer."});
  auto driver = awrap::make_builtin_driver("pg");
  std::cout << "driver " << driver->engine() << " port " << driver->default_port() << "\n";
  try {
    // Nothing listens on port 1: the plugin's connect runs and the login is refused at once.
    awrap::Connection::open("postgresql://nobody@127.0.0.1:1/x",
                            {{"wrapper_plugins", "writer_watch"}, {"connect_timeout", "2"}});
  } catch (const awrap::ConnectError&) {
    std::cout << "ConnectError\n";
    return 0;
  }
  return 1;
}
