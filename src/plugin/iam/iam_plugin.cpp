#include "plugin/iam/iam_plugin.hpp"

#include "core/plugin_runtime.hpp"
#include "plugin/iam/iam_authenticator.hpp"
#include "plugin/iam/iam_properties.hpp"

namespace awrap::internal {
namespace {

using plugin::iam::IamAuthenticator;
using plugin::iam::IamConfig;

// Background connections (monitors, cancel) get their token as the plugin's connect() does.
class IamBackgroundCredentials final : public BackgroundCredentials {
 public:
  IamBackgroundCredentials(std::shared_ptr<const IamAuthenticator> authenticator,
                           std::string engine, int default_port)
      : authenticator_(std::move(authenticator)),
        engine_(std::move(engine)),
        default_port_(default_port) {}

  void apply(ConnectSpec& spec) const override {
    authenticator_->fill(spec, engine_, default_port_);
  }
  void refused(const ConnectSpec& spec) const noexcept override {
    authenticator_->drop(spec, default_port_);
  }

 private:
  const std::shared_ptr<const IamAuthenticator> authenticator_;
  const std::string engine_;
  const int default_port_;
};

class IamPlugin final : public Plugin {
 public:
  IamPlugin(PluginService& service, IamConfig config)
      : service_(service),
        runtime_(runtime_of(service)),
        shared_authenticator_(std::make_shared<IamAuthenticator>(
            config, plugin::iam::make_aws_chain_token_source(*runtime_, config.aws_profile),
            runtime_->get<aws::RdsTokenCache>())),
        authenticator_(*shared_authenticator_),
        background_(std::make_shared<IamBackgroundCredentials>(
            shared_authenticator_, std::string(service.driver().engine()),
            service.driver().default_port())) {}

  std::shared_ptr<const BackgroundCredentials> background_credentials() const override {
    return background_;
  }

  std::string_view code() const noexcept override { return "iam"; }
  MethodSet subscribed_methods() const noexcept override { return MethodSet{Method::kConnect}; }

  std::unique_ptr<TargetConnection> connect(ConnectRequest& request,
                                            const NextConnect& next) override {
    const TargetDriver& driver = service_.driver();
    return authenticator_.connect(request, driver.engine(), driver.default_port(),
                                  [&next](ConnectRequest& r) { return next(r); });
  }

 private:
  PluginService& service_;
  std::shared_ptr<internal::Runtime> runtime_;  // holds the token cache
  std::shared_ptr<IamAuthenticator> shared_authenticator_;
  IamAuthenticator& authenticator_;  // this Connection's logins (owner thread)
  std::shared_ptr<const BackgroundCredentials> background_;
};

IamConfig config_from(const Properties& properties) {
  using namespace plugin::iam;
  IamConfig config;
  config.iam_host = properties.get_string(kIamHost);
  if (properties.is_set(kIamDefaultPort)) {
    config.iam_default_port = static_cast<int>(properties.get_int(kIamDefaultPort));
  }
  config.region = properties.get_string(kIamRegion);
  config.token_lifetime = std::chrono::seconds(properties.get_int(kIamExpiration));
  config.aws_profile = properties.get_string(kAwsProfile);
  config.allow_cleartext_without_tls = properties.get_bool(kIamAllowCleartextWithoutTls);
  return config;
}

}  // namespace

PluginRegistration make_iam_plugin_registration() {
  PluginRegistration registration;
  registration.code = "iam";
  registration.weight = 150;  // outside failover: every reconnect gets a (cached) token
  registration.factory = [](PluginService& service, const Properties& properties) {
    return std::make_unique<IamPlugin>(service, config_from(properties));
  };
  registration.help = "AWS IAM database authentication: an RDS IAM token as the password";
  registration.properties = plugin::iam::kIamProperties;
  return registration;
}

}  // namespace awrap::internal
