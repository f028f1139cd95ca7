// The aws_secrets_manager plugin's logic, apart from the plugin pipeline so it is testable on its
// own: put the user name and password of a (cached) Secrets Manager secret into the connect
// request, and when the server refuses them, fetch the secret again and retry while a rotation
// may be in progress.
//
//   SecretsManagerAuthenticator auth(config, make_aws_secret_source(runtime, profile),
//                                    runtime.get<SecretCache>());
//   auto connection = auth.connect(request, [&](ConnectRequest& r) { return next(r); });
//
// Thread-safety: an authenticator belongs to one Connection (one thread at a time); the cache and
// the secret source are shared and thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "awrap/ext/plugin.hpp"
#include "aws/secrets_manager.hpp"
#include "base/runtime.hpp"
#include "base/thread_annotations.hpp"
#include "plugin/aws_secrets_manager/secret_cache.hpp"

namespace awrap::internal::plugin::secrets_manager {

// Default of secrets_manager_expiration: one hour, as AWS's own caching clients
// (aws-secretsmanager-caching, the Secrets Manager JDBC driver) refresh. A rotated secret does
// not wait for expiry: the first login it refuses fetches it again.
inline constexpr std::chrono::seconds kDefaultSecretLifetime{3600};
// Default of secrets_manager_rotation_timeout_sec: a single-user rotation (Lambda setSecret,
// testSecret, finishSecret) moves AWSCURRENT seconds after the database password changed.
inline constexpr std::chrono::seconds kDefaultRotationTimeout{10};

struct SecretsManagerConfig {
  std::string secret_id;  // REQUIRES: not empty
  aws::SecretLocation location;
  std::string username_key = "username";
  std::string password_key = "password";
  std::chrono::seconds expiration = kDefaultSecretLifetime;
  std::chrono::seconds rotation_timeout = kDefaultRotationTimeout;
};

struct DbCredentials {
  std::string username;
  std::string password;
};

// The user name and password in a secret string (a JSON object). Throws awrap::AuthError naming
// the secret id and the missing or non-string key; never a value.
DbCredentials credentials_from_secret(std::string_view secret_string, std::string_view secret_id,
                                      std::string_view username_key, std::string_view password_key);

// Where secret strings come from. Thread-safe implementations.
class SecretSource {
 public:
  virtual ~SecretSource() = default;
  // The secret's SecretString. Throws awrap::AuthError.
  virtual std::string fetch(const std::string& secret_id, const aws::SecretLocation& location) = 0;
};

// GetSecretValue signed with `runtime`'s credential chain for `profile` (one source per profile
// and Runtime); HTTPS trusts AWS_CA_BUNDLE when set.
std::shared_ptr<SecretSource> make_aws_secret_source(internal::Runtime& runtime,
                                                     const std::string& profile);

class SecretsManagerAuthenticator {
 public:
  using Next = std::function<std::unique_ptr<TargetConnection>(ConnectRequest&)>;
  using Sleep = std::function<void(std::chrono::milliseconds)>;

  // `sleep` waits between fetches while a rotation is in progress (null: sleep_for); the
  // deadline is read on cache.clock().
  SecretsManagerAuthenticator(SecretsManagerConfig config, std::shared_ptr<SecretSource> source,
                              SecretCache& cache, Sleep sleep = {});

  // Throws AuthError (no secret, a malformed secret, refused credentials) or what next throws.
  std::unique_ptr<TargetConnection> connect(ConnectRequest& request, const Next& next);

  SecretCacheKey cache_key() const;

  // For background connections (BackgroundCredentials): puts the user name and password of the
  // cached secret into `spec`; after drop(), of a value fetched again (at most one fetch per
  // kBackgroundRefetchInterval, so probes refused every interval do not hammer Secrets
  // Manager). Thread-safe. Throws AuthError.
  void fill(ConnectSpec& spec) const;
  // A background login with the last filled value was refused (the password rotated).
  void drop() const noexcept;

  static constexpr std::chrono::seconds kBackgroundRefetchInterval{5};

 private:
  DbCredentials credentials_of(const CachedSecret& secret) const;

  SecretsManagerConfig config_;
  std::shared_ptr<SecretSource> source_;
  SecretCache& cache_;
  Sleep sleep_;
  // Background logins (any thread).
  mutable Mutex background_mutex_;
  mutable std::optional<CachedSecret> background_secret_ GUARDED_BY(background_mutex_);
  mutable bool background_refused_ GUARDED_BY(background_mutex_) = false;
  mutable std::chrono::system_clock::time_point background_refetched_at_
      GUARDED_BY(background_mutex_){};
};

}  // namespace awrap::internal::plugin::secrets_manager
