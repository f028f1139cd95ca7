// The iam plugin's logic, apart from the plugin pipeline so it is testable on its own: put a
// (cached) RDS IAM token into the connect request as the password, and retry once with a fresh
// token when the server refuses a cached one.
//
//   IamAuthenticator auth(config, token_source, runtime.get<aws::RdsTokenCache>());
//   auto connection = auth.connect(request, engine, default_port,
//                                  [&](ConnectRequest& r) { return next(r); });
//
// Thread-safety: an IamAuthenticator belongs to one Connection (one thread at a time); the token
// cache and the token source it uses are shared and thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "awrap/ext/plugin.hpp"
#include "aws/credentials.hpp"
#include "aws/environment.hpp"
#include "aws/rds_token.hpp"
#include "base/runtime.hpp"

namespace awrap::internal::plugin::iam {

struct IamConfig {
  std::string iam_host;                 // empty: the connection's host
  std::optional<int> iam_default_port;  // unset: the connection's port, else the engine default
  std::string region;                   // empty: resolved (RDS host name, environment, profile)
  std::chrono::seconds token_lifetime = aws::kDefaultRdsTokenCacheLifetime;
  std::string aws_profile;
  bool allow_cleartext_without_tls = false;
  aws::EnvironmentLookup environment = aws::process_environment();
};

// Where tokens come from. Thread-safe implementations.
class IamTokenSource {
 public:
  virtual ~IamTokenSource() = default;
  // A new token for key. refresh_credentials: the last token was refused, so do not trust
  // cached AWS credentials either. Throws awrap::AuthError when no credentials can be found.
  virtual std::string generate_token(const aws::RdsTokenKey& key, bool refresh_credentials) = 0;
};

// Tokens signed with the default credential chain for `profile`, shared by every connection of
// `runtime` that uses the same profile.
std::shared_ptr<IamTokenSource> make_aws_chain_token_source(internal::Runtime& runtime,
                                                            const std::string& profile);

// MySQL: does this set of native options make Connector/C require TLS (ssl_mode REQUIRED,
// VERIFY_CA or VERIFY_IDENTITY, or ssl=true)?
bool mysql_options_require_tls(const std::map<std::string, std::string, std::less<>>& options);

// PostgreSQL: does libpq require TLS with these options (sslmode require, verify-ca or
// verify-full; where sslmode is not given, PGSSLMODE from `environment`, else the deprecated
// requiressl=1)? libpq's default, prefer, does not: it falls back to plain text.
bool pg_options_require_tls(const std::map<std::string, std::string, std::less<>>& options,
                            const aws::EnvironmentLookup& environment);

class IamAuthenticator {
 public:
  using Next = std::function<std::unique_ptr<TargetConnection>(ConnectRequest&)>;

  IamAuthenticator(IamConfig config, std::shared_ptr<IamTokenSource> tokens,
                   aws::RdsTokenCache& cache);

  // REQUIRES: engine is "pg" or "mysql". Throws ConfigError (no region; without TLS),
  // AuthError (no credentials; the server refused a fresh token) or whatever next throws.
  std::unique_ptr<TargetConnection> connect(ConnectRequest& request, std::string_view engine,
                                            int engine_default_port, const Next& next);

  // The cache key for a request (exposed for tests).
  aws::RdsTokenKey token_key(const ConnectRequest& request, int engine_default_port) const;

  // For background connections (BackgroundCredentials): puts the token connect() would use for
  // `spec` (cached, or new) into its password. Thread-safe (the configuration is read only; the
  // cache and token source are shared and thread-safe). Throws ConfigError or AuthError.
  void fill(ConnectSpec& spec, std::string_view engine, int engine_default_port) const;
  // A background login with `spec` was refused: drop its token; the next fill() makes a new one
  // with freshly loaded AWS credentials.
  void drop(const ConnectSpec& spec, int engine_default_port) const noexcept;

 private:
  aws::RdsTokenKey token_key_for(const ConnectSpec& spec, int engine_default_port) const;

  IamConfig config_;
  std::shared_ptr<IamTokenSource> tokens_;
  aws::RdsTokenCache& cache_;
  // Set by drop(): the next new token is made with AWS credentials loaded again.
  mutable std::atomic<bool> refresh_credentials_{false};
};

}  // namespace awrap::internal::plugin::iam
