#include "plugin/aws_secrets_manager/aws_secrets_manager_plugin.hpp"

#include "awrap/errors.hpp"
#include "core/plugin_runtime.hpp"
#include "plugin/aws_secrets_manager/secrets_manager_authenticator.hpp"
#include "plugin/aws_secrets_manager/secrets_manager_properties.hpp"

namespace awrap::internal {
namespace {

using plugin::secrets_manager::SecretsManagerAuthenticator;
using plugin::secrets_manager::SecretsManagerConfig;

// Background connections (monitors, cancel) log in with the cached secret, fetched again after a
// refused login, as the plugin's connect() does.
class SecretsManagerBackgroundCredentials final : public BackgroundCredentials {
 public:
  explicit SecretsManagerBackgroundCredentials(
      std::shared_ptr<const SecretsManagerAuthenticator> authenticator)
      : authenticator_(std::move(authenticator)) {}

  void apply(ConnectSpec& spec) const override { authenticator_->fill(spec); }
  void refused(const ConnectSpec& /*spec*/) const noexcept override { authenticator_->drop(); }

 private:
  const std::shared_ptr<const SecretsManagerAuthenticator> authenticator_;
};

class AwsSecretsManagerPlugin final : public Plugin {
 public:
  AwsSecretsManagerPlugin(internal::Runtime& runtime, SecretsManagerConfig config,
                          const std::string& profile)
      : shared_authenticator_(std::make_shared<SecretsManagerAuthenticator>(
            std::move(config), plugin::secrets_manager::make_aws_secret_source(runtime, profile),
            runtime.get<plugin::secrets_manager::SecretCache>())),
        authenticator_(*shared_authenticator_),
        background_(std::make_shared<SecretsManagerBackgroundCredentials>(shared_authenticator_)) {}

  std::shared_ptr<const BackgroundCredentials> background_credentials() const override {
    return background_;
  }

  std::string_view code() const noexcept override { return "aws_secrets_manager"; }
  MethodSet subscribed_methods() const noexcept override { return MethodSet{Method::kConnect}; }

  std::unique_ptr<TargetConnection> connect(ConnectRequest& request,
                                            const NextConnect& next) override {
    return authenticator_.connect(request, [&next](ConnectRequest& r) { return next(r); });
  }

 private:
  std::shared_ptr<SecretsManagerAuthenticator> shared_authenticator_;
  SecretsManagerAuthenticator& authenticator_;  // this Connection's logins (owner thread)
  std::shared_ptr<const BackgroundCredentials> background_;
};

// Everything is checked here, so a bad property is a ConfigError from Connection::open.
SecretsManagerConfig config_from(const Properties& properties, const std::string& database_host) {
  using namespace plugin::secrets_manager;
  for (const std::string& code : properties.get_list("wrapper_plugins")) {
    if (code == "iam") {
      // Both would set the password; whichever ran last would win without a word.
      throw ConfigError(
          "wrapper_plugins names both iam and aws_secrets_manager; use one authentication plugin",
          "wrapper_plugins");
    }
  }
  SecretsManagerConfig config;
  config.secret_id = properties.get_string(kSecretId);
  if (config.secret_id.empty()) {
    throw ConfigError(
        "the aws_secrets_manager plugin needs secrets_manager_secret_id (the name or ARN of the "
        "secret with the database user name and password)",
        std::string(kSecretId));
  }
  aws::SecretLocationSources sources;
  sources.secret_id = config.secret_id;
  sources.explicit_region = properties.get_string(kRegion);
  sources.explicit_endpoint = properties.get_string(kEndpoint);
  sources.database_host = database_host;
  sources.profile = properties.get_string("aws_profile");
  config.location = aws::resolve_secret_location(sources);
  config.username_key = properties.get_string(kUsernameKey);
  config.password_key = properties.get_string(kPasswordKey);
  if (config.username_key.empty() || config.password_key.empty()) {
    throw ConfigError(
        "secrets_manager_secret_username_key and "
        "secrets_manager_secret_password_key must not be empty",
        std::string(config.username_key.empty() ? kUsernameKey : kPasswordKey));
  }
  config.expiration = std::chrono::seconds(properties.get_int(kExpiration));
  config.rotation_timeout = std::chrono::seconds(properties.get_int(kRotationTimeout));
  return config;
}

}  // namespace

PluginRegistration make_aws_secrets_manager_registration() {
  // Weight 150: outside failover, like iam: its reconnects reuse the cached secret. Lower weights
  // run outermost (docs/plugins.md).
  constexpr int weight = 150;
  PluginRegistration registration;
  registration.code = "aws_secrets_manager";
  registration.weight = weight;
  registration.factory = [](PluginService& service, const Properties& properties) {
    return std::make_unique<AwsSecretsManagerPlugin>(
        *runtime_of(service), config_from(properties, service.initial_spec().host.host),
        properties.get_string("aws_profile"));
  };
  registration.help =
      "AWS Secrets Manager: user name and password from a secret, refetched on rotation";
  registration.properties = plugin::secrets_manager::kSecretsManagerProperties;
  return registration;
}

}  // namespace awrap::internal
