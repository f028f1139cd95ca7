#include "plugin/iam/iam_plugin.hpp"

#include "plugin/iam/iam_authenticator.hpp"
#include "plugin/iam/iam_properties.hpp"

namespace awrap {
namespace {

using plugin::iam::IamAuthenticator;
using plugin::iam::IamConfig;

class IamPlugin final : public Plugin {
 public:
  IamPlugin(PluginService& service, IamConfig config)
      : service_(service),
        authenticator_(config, plugin::iam::make_aws_chain_token_source(config.aws_profile),
                       aws::process_rds_token_cache()) {}

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
  IamAuthenticator authenticator_;
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

}  // namespace awrap
