#include "plugin/aws_secrets_manager/secrets_manager_authenticator.hpp"

#include <algorithm>
#include <exception>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "awrap/errors.hpp"
#include "aws/environment.hpp"
#include "aws/shared_credentials.hpp"
#include "base/logging.hpp"
#include "base/thread_annotations.hpp"

namespace awrap::internal::plugin::secrets_manager {
namespace {

// Bounds the rotation loop even with a long secrets_manager_rotation_timeout_sec.
constexpr int kMaxRotationRounds = 16;
constexpr std::chrono::milliseconds kFirstRotationPause{250};
constexpr std::chrono::milliseconds kMaxRotationPause{2000};

class AwsSecretSource final : public SecretSource {
 public:
  // `runtime` owns this source (SecretSources below), so it outlives it.
  AwsSecretSource(internal::Runtime& runtime, std::string profile)
      : runtime_(runtime), profile_(std::move(profile)), client_(client_options()) {}

  std::string fetch(const std::string& secret_id, const aws::SecretLocation& location) override {
    {
      std::lock_guard lock(mutex_);
      if (region_.empty()) region_ = location.region;  // STS region for web identity
    }
    return client_.get_secret_string(secret_id, location);
  }

 private:
  aws::SecretsManagerClientOptions client_options() {
    aws::SecretsManagerClientOptions options;
    options.credentials = [this](bool refresh) { return credentials(refresh); };
    options.ca_bundle = aws::process_environment()("AWS_CA_BUNDLE").value_or("");
    return options;
  }

  aws::Credentials credentials(bool refresh) {
    std::string region;
    {
      std::lock_guard lock(mutex_);
      region = region_;
    }
    aws::CachingCredentialsProvider& provider =
        aws::shared_credentials_provider(runtime_, profile_, region);
    if (refresh) provider.invalidate();
    return provider.credentials();
  }

  internal::Runtime& runtime_;
  std::string profile_;
  std::mutex mutex_;
  std::string region_;  // guarded by mutex_
  aws::SecretsManagerClient client_;
};

void apply(const DbCredentials& credentials, ConnectRequest& request) {
  request.spec.user = credentials.username;
  request.spec.password = credentials.password;
}

}  // namespace

DbCredentials credentials_from_secret(std::string_view secret_string, std::string_view secret_id,
                                      std::string_view username_key,
                                      std::string_view password_key) {
  nlohmann::json document =
      nlohmann::json::parse(secret_string, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object()) {
    throw AuthError("secret '" + std::string(secret_id) +
                    "' is not a JSON object; awrap needs a SecretString like {\"" +
                    std::string(username_key) + "\": ..., \"" + std::string(password_key) +
                    "\": ...}");
  }
  auto member = [&](std::string_view key, std::string_view property) {
    auto it = document.find(key);
    if (it == document.end()) {
      throw AuthError("secret '" + std::string(secret_id) + "' has no member '" + std::string(key) +
                      "' (set " + std::string(property) + " if the secret names it differently)");
    }
    if (!it->is_string()) {
      throw AuthError("member '" + std::string(key) + "' of secret '" + std::string(secret_id) +
                      "' is not a string");
    }
    return it->get<std::string>();
  };
  DbCredentials credentials;
  credentials.username = member(username_key, "secrets_manager_secret_username_key");
  credentials.password = member(password_key, "secrets_manager_secret_password_key");
  if (credentials.username.empty()) {
    throw AuthError("member '" + std::string(username_key) + "' of secret '" +
                    std::string(secret_id) + "' is empty");
  }
  return credentials;
}

namespace {

// One source per profile for a Runtime: its credentials are cached by the shared chain.
class SecretSources {
 public:
  explicit SecretSources(internal::Runtime& runtime) : runtime_(runtime) {
    runtime.get<aws::SharedCredentialsProviders>();  // used by the sources: made first
  }
  std::shared_ptr<SecretSource> get(const std::string& profile) {
    MutexLock lock(mutex_);
    auto& source = sources_[profile];
    if (!source) source = std::make_shared<AwsSecretSource>(runtime_, profile);
    return source;
  }

 private:
  internal::Runtime& runtime_;
  Mutex mutex_;
  std::map<std::string, std::shared_ptr<SecretSource>> sources_ GUARDED_BY(mutex_);
};

}  // namespace

std::shared_ptr<SecretSource> make_aws_secret_source(internal::Runtime& runtime,
                                                     const std::string& profile) {
  return runtime.get<SecretSources>().get(profile);
}

SecretsManagerAuthenticator::SecretsManagerAuthenticator(SecretsManagerConfig config,
                                                         std::shared_ptr<SecretSource> source,
                                                         SecretCache& cache, Sleep sleep)
    : config_(std::move(config)),
      source_(std::move(source)),
      cache_(cache),
      sleep_(sleep ? std::move(sleep)
                   : [](std::chrono::milliseconds pause) { std::this_thread::sleep_for(pause); }) {}

SecretCacheKey SecretsManagerAuthenticator::cache_key() const {
  return {config_.secret_id, config_.location.region, config_.location.endpoint};
}

DbCredentials SecretsManagerAuthenticator::credentials_of(const CachedSecret& secret) const {
  return credentials_from_secret(secret.value, config_.secret_id, config_.username_key,
                                 config_.password_key);
}

std::unique_ptr<TargetConnection> SecretsManagerAuthenticator::connect(ConnectRequest& request,
                                                                       const Next& next) {
  const SecretCacheKey key = cache_key();
  const SecretCache::Fetch fetch = [this] {
    return source_->fetch(config_.secret_id, config_.location);
  };

  CachedSecret secret = cache_.get(key, config_.expiration, fetch);
  DbCredentials credentials;
  try {
    credentials = credentials_of(secret);
  } catch (const AuthError&) {
    if (secret.fetched_now) throw;
    // The cached value is malformed; it may have been fixed since.
    secret = cache_.refresh(key, secret, fetch);
    credentials = credentials_of(secret);
  }
  AWRAP_LOG(kDebug) << "secrets manager: " << (secret.fetched_now ? "fetched" : "cached")
                    << " secret '" << key.secret_id << "' (" << key.region << ") for "
                    << request.spec.host.host << ":" << request.spec.host.port;
  apply(credentials, request);
  std::exception_ptr refused;
  try {
    return next(request);
  } catch (const AuthError&) {
    refused = std::current_exception();
  }

  // Refused: the password may have been rotated. Fetch the secret again; while it is unchanged
  // the rotation may still be under way (the database changed first), so keep looking until
  // rotation_timeout. A new value that is refused too is retried as well: a rotation that
  // updates the secret first leaves the database behind for a moment.
  AWRAP_LOG(kInfo) << "secrets manager: login with secret '" << key.secret_id << "' refused at "
                   << request.spec.host.host << ":" << request.spec.host.port
                   << "; fetching the secret again (rotation?)";
  const auto deadline = cache_.clock().now() + config_.rotation_timeout;
  std::chrono::milliseconds pause = kFirstRotationPause;
  bool retry_unchanged = false;
  for (int round = 0; round < kMaxRotationRounds; ++round) {
    if (round > 0) {
      if (cache_.clock().now() + pause > deadline) break;
      sleep_(pause);
      pause = std::min(pause * 2, kMaxRotationPause);
    }
    CachedSecret newer = cache_.refresh(key, secret, fetch);
    const bool changed = newer.value != secret.value;
    secret = std::move(newer);
    if (!changed && !retry_unchanged) {
      AWRAP_LOG(kDebug) << "secrets manager: secret '" << key.secret_id
                        << "' is unchanged; waiting for a rotation to finish";
      continue;
    }
    apply(credentials_of(secret), request);
    AWRAP_LOG(kInfo) << "secrets manager: retrying the login with the "
                     << (changed ? "new" : "same") << " value of secret '" << key.secret_id << "'";
    try {
      return next(request);
    } catch (const AuthError&) {
      refused = std::current_exception();
      retry_unchanged = true;
    }
  }
  std::rethrow_exception(refused);
}

void SecretsManagerAuthenticator::fill(ConnectSpec& spec) const {
  const SecretCacheKey key = cache_key();
  const SecretCache::Fetch fetch = [this] {
    return source_->fetch(config_.secret_id, config_.location);
  };
  MutexLock lock(background_mutex_);
  CachedSecret secret = cache_.get(key, config_.expiration, fetch);
  const auto now = cache_.clock().now();
  if (background_refused_ && background_secret_ &&
      secret.generation == background_secret_->generation &&
      now - background_refetched_at_ >= kBackgroundRefetchInterval) {
    // The value was refused and nobody fetched a newer one since: a rotation.
    AWRAP_LOG(kInfo) << "secrets manager: a background login with secret '" << key.secret_id
                     << "' was refused; fetching the secret again (rotation?)";
    background_refetched_at_ = now;
    secret = cache_.refresh(key, secret, fetch);
  }
  background_refused_ = false;
  DbCredentials credentials = credentials_of(secret);
  background_secret_ = std::move(secret);
  spec.user = credentials.username;
  spec.password = credentials.password;
}

void SecretsManagerAuthenticator::drop() const noexcept {
  MutexLock lock(background_mutex_);
  background_refused_ = true;
}

}  // namespace awrap::internal::plugin::secrets_manager
