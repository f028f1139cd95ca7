#include "aws/credentials.hpp"

#include <nlohmann/json.hpp>

#include "awrap/errors.hpp"
#include "aws/credential_sources.hpp"
#include "aws/shared_config.hpp"
#include "aws/utc_time.hpp"
#include "base/logging.hpp"
#include "base/thread_annotations.hpp"

namespace awrap::internal::aws {
namespace {

class EnvironmentProvider final : public CredentialsProvider {
 public:
  explicit EnvironmentProvider(EnvironmentLookup env) : env_(std::move(env)) {}
  std::string_view name() const noexcept override { return "environment"; }

  ProviderOutcome resolve() override {
    auto key_id = env_("AWS_ACCESS_KEY_ID");
    auto secret = env_("AWS_SECRET_ACCESS_KEY");
    if (!key_id && !secret) return {std::nullopt, "AWS_ACCESS_KEY_ID is not set"};
    if (!key_id || !secret) {
      throw AuthError(std::string("environment credentials are incomplete: ") +
                      (key_id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") +
                      " is not set while " +
                      (key_id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") + " is");
    }
    Credentials credentials;
    credentials.access_key_id = std::move(*key_id);
    credentials.secret_access_key = std::move(*secret);
    credentials.session_token = env_("AWS_SESSION_TOKEN").value_or("");
    if (auto expiration = env_("AWS_CREDENTIAL_EXPIRATION")) {
      credentials.expiration = parse_iso8601_utc(*expiration);
    }
    return {std::move(credentials), {}};
  }

 private:
  EnvironmentLookup env_;
};

class SharedFilesProvider final : public CredentialsProvider {
 public:
  SharedFilesProvider(std::string profile, EnvironmentLookup env)
      : explicit_profile_(std::move(profile)), env_(std::move(env)) {}
  std::string_view name() const noexcept override { return "shared files"; }

  ProviderOutcome resolve() override {
    std::string profile = selected_profile(explicit_profile_, env_);
    SharedConfigFiles files = SharedConfigFiles::load(env_);
    for (const ProfileSettings* settings :
         {files.credentials_profile(profile), files.config_profile(profile)}) {
      if (settings == nullptr) continue;
      auto key_id = settings->find("aws_access_key_id");
      auto secret = settings->find("aws_secret_access_key");
      bool has_key = key_id != settings->end() && !key_id->second.empty();
      bool has_secret = secret != settings->end() && !secret->second.empty();
      if (!has_key && !has_secret) continue;
      if (!has_key || !has_secret) {
        throw AuthError("profile '" + profile + "' in the AWS shared files has " +
                        (has_key ? "aws_access_key_id but no aws_secret_access_key"
                                 : "aws_secret_access_key but no aws_access_key_id"));
      }
      Credentials credentials;
      credentials.access_key_id = key_id->second;
      credentials.secret_access_key = secret->second;
      if (auto token = settings->find("aws_session_token"); token != settings->end()) {
        credentials.session_token = token->second;
      }
      return {std::move(credentials), {}};
    }
    return {std::nullopt, "no aws_access_key_id for profile '" + profile + "' in " +
                              files.credentials_path() + " or " + files.config_path()};
  }

 private:
  std::string explicit_profile_;
  EnvironmentLookup env_;
};

}  // namespace

std::unique_ptr<CredentialsProvider> make_environment_provider(
    const CredentialsChainOptions& options) {
  return std::make_unique<EnvironmentProvider>(options.environment);
}

std::unique_ptr<CredentialsProvider> make_shared_files_provider(
    const CredentialsChainOptions& options) {
  return std::make_unique<SharedFilesProvider>(options.profile, options.environment);
}

CredentialsChain::CredentialsChain(std::vector<std::unique_ptr<CredentialsProvider>> providers)
    : providers_(std::move(providers)) {}

std::pair<Credentials, std::string> CredentialsChain::resolve() {
  std::string tried;
  for (const auto& provider : providers_) {
    ProviderOutcome outcome;
    try {
      outcome = provider->resolve();
    } catch (const AuthError& error) {
      throw AuthError("AWS credentials from " + std::string(provider->name()) +
                      " failed: " + error.what());
    }
    if (outcome.credentials && outcome.credentials->complete()) {
      AWRAP_LOG(kDebug) << "AWS credentials from " << provider->name();
      return {std::move(*outcome.credentials), std::string(provider->name())};
    }
    if (!tried.empty()) tried += "; ";
    tried.append(provider->name()).append(": ").append(outcome.skipped_because);
  }
  throw AuthError("no AWS credentials found (tried " + (tried.empty() ? "nothing" : tried) +
                  "). Set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile in ~/.aws/credentials "
                  "(aws_profile selects one), a web identity, or run where container or EC2 "
                  "instance credentials exist");
}

CachingCredentialsProvider::CachingCredentialsProvider(CredentialsChain chain,
                                                       std::shared_ptr<const Clock> clock,
                                                       std::chrono::seconds refresh_before)
    : chain_(std::move(chain)), clock_(std::move(clock)), refresh_before_(refresh_before) {}

Credentials CachingCredentialsProvider::credentials() {
  MutexLock lock(mutex_);
  if (cached_ && (!cached_->expiration || clock_->now() + refresh_before_ < *cached_->expiration)) {
    return *cached_;
  }
  auto [credentials, source] = chain_.resolve();
  cached_ = credentials;
  source_ = std::move(source);
  return credentials;
}

std::string CachingCredentialsProvider::source() const {
  MutexLock lock(mutex_);
  return source_;
}

void CachingCredentialsProvider::invalidate() {
  MutexLock lock(mutex_);
  cached_.reset();
}

std::unique_ptr<CachingCredentialsProvider> make_default_credentials_chain(
    CredentialsChainOptions options) {
  if (!options.http) {
    options.http = std::make_shared<CurlHttpClient>(
        HttpClientOptions{options.environment("AWS_CA_BUNDLE").value_or("")});
  }
  std::vector<std::unique_ptr<CredentialsProvider>> providers;
  providers.push_back(make_environment_provider(options));
  providers.push_back(make_shared_files_provider(options));
  providers.push_back(make_web_identity_provider(options));
  providers.push_back(make_container_provider(options));
  providers.push_back(make_imds_provider(options));
  return std::make_unique<CachingCredentialsProvider>(CredentialsChain(std::move(providers)),
                                                      options.clock);
}

std::optional<std::chrono::system_clock::time_point> parse_iso8601_utc(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00)
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != ' ') || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  std::string_view rest = text.substr(19);
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') rest.remove_prefix(1);
  }
  if (rest != "Z" && rest != "+00:00") return std::nullopt;
  return utc_time_from_fields(text, {{{0, 4}, {5, 2}, {8, 2}, {11, 2}, {14, 2}, {17, 2}}});
}

}  // namespace awrap::internal::aws
