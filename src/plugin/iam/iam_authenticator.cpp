#include "plugin/iam/iam_authenticator.hpp"

#include <cctype>
#include <map>
#include <mutex>

#include "awrap/errors.hpp"
#include "aws/region.hpp"
#include "base/logging.hpp"
#include "base/thread_annotations.hpp"

namespace awrap::internal::plugin::iam {
namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_true(std::string_view value) {
  std::string lower = lowercase(value);
  return lower == "1" || lower == "true" || lower == "on" || lower == "yes";
}

class AwsChainTokenSource final : public IamTokenSource {
 public:
  explicit AwsChainTokenSource(std::string profile) : profile_(std::move(profile)) {}

  std::string generate_token(const aws::RdsTokenKey& key, bool refresh_credentials) override {
    aws::CachingCredentialsProvider& provider = provider_for(key.region);
    if (refresh_credentials) provider.invalidate();
    aws::Credentials credentials = provider.credentials();
    return aws::generate_rds_auth_token(key.host, key.port, key.user, key.region, credentials,
                                        aws::system_clock()->now());
  }

 private:
  aws::CachingCredentialsProvider& provider_for(const std::string& region) {
    std::lock_guard lock(mutex_);
    if (!provider_) {
      aws::CredentialsChainOptions options;
      options.profile = profile_;
      options.region = region;  // for the STS endpoint of web identity
      provider_ = aws::make_default_credentials_chain(std::move(options));
    }
    return *provider_;
  }

  std::string profile_;
  std::mutex mutex_;
  std::unique_ptr<aws::CachingCredentialsProvider> provider_;  // guarded by mutex_ (creation)
};

}  // namespace

namespace {

// One source (so one credential cache) per profile for a Runtime: a new Connection must not cost
// an STS or IMDS round trip.
class IamTokenSources {
 public:
  std::shared_ptr<IamTokenSource> get(const std::string& profile) {
    MutexLock lock(mutex_);
    auto& source = sources_[profile];
    if (!source) source = std::make_shared<AwsChainTokenSource>(profile);
    return source;
  }

 private:
  Mutex mutex_;
  std::map<std::string, std::shared_ptr<IamTokenSource>> sources_ GUARDED_BY(mutex_);
};

}  // namespace

std::shared_ptr<IamTokenSource> make_aws_chain_token_source(internal::Runtime& runtime,
                                                            const std::string& profile) {
  return runtime.get<IamTokenSources>().get(profile);
}

bool mysql_options_require_tls(const std::map<std::string, std::string, std::less<>>& options) {
  if (auto it = options.find("ssl_mode"); it != options.end()) {
    std::string mode = lowercase(it->second);
    return mode == "required" || mode == "verify_ca" || mode == "verify_identity";
  }
  if (auto it = options.find("ssl"); it != options.end()) return is_true(it->second);
  return false;
}

bool pg_options_require_tls(const std::map<std::string, std::string, std::less<>>& options,
                            const aws::EnvironmentLookup& environment) {
  std::string mode;
  auto given = options.find("sslmode");
  auto from_environment = environment ? environment("PGSSLMODE") : std::nullopt;
  auto legacy = options.find("requiressl");
  if (given != options.end()) {
    mode = lowercase(given->second);
  } else if (from_environment) {
    mode = lowercase(*from_environment);
  } else if (legacy != options.end()) {
    return legacy->second == "1";
  }
  return mode == "require" || mode == "verify-ca" || mode == "verify-full";
}

IamAuthenticator::IamAuthenticator(IamConfig config, std::shared_ptr<IamTokenSource> tokens,
                                   aws::RdsTokenCache& cache)
    : config_(std::move(config)), tokens_(std::move(tokens)), cache_(cache) {}

aws::RdsTokenKey IamAuthenticator::token_key(const ConnectRequest& request,
                                             int engine_default_port) const {
  return token_key_for(request.spec, engine_default_port);
}

aws::RdsTokenKey IamAuthenticator::token_key_for(const ConnectSpec& spec,
                                                 int engine_default_port) const {
  aws::RdsTokenKey key;
  key.host = config_.iam_host.empty() ? spec.host.host : config_.iam_host;
  key.port =
      config_.iam_default_port.value_or(spec.host.port > 0 ? spec.host.port : engine_default_port);
  key.user = spec.user;
  aws::RegionSources sources;
  sources.explicit_region = config_.region;
  sources.host = key.host;
  sources.profile = config_.aws_profile;
  sources.environment = config_.environment;
  key.region = aws::resolve_region(sources);
  return key;
}

std::unique_ptr<TargetConnection> IamAuthenticator::connect(ConnectRequest& request,
                                                            std::string_view engine,
                                                            int engine_default_port,
                                                            const Next& next) {
  if (request.spec.user.empty()) {
    throw ConfigError("the iam plugin needs a database user name (the IAM database user)", "user");
  }
  if (engine == "mysql") {
    if (!mysql_options_require_tls(request.spec.native_options) &&
        !config_.allow_cleartext_without_tls) {
      throw ConfigError(
          "the iam plugin sends the IAM token as a cleartext password on MySQL; refusing to do "
          "so without TLS. Set ssl_mode=REQUIRED (or VERIFY_CA / VERIFY_IDENTITY), or "
          "iam_allow_cleartext_without_tls=true for a test lab",
          "iam_allow_cleartext_without_tls");
    }
    request.spec.native_options["enable_cleartext_plugin"] = "true";
  }
  if (engine == "pg" && !config_.allow_cleartext_without_tls &&
      !pg_options_require_tls(request.spec.native_options, config_.environment)) {
    // PostgreSQL sends the token as a cleartext password too (RDS asks for it that way);
    // libpq's default sslmode=prefer would send it in the clear to a server without TLS, or to
    // anyone in the middle who says so.
    auto it = request.spec.native_options.find("sslmode");
    std::string shown = it != request.spec.native_options.end()
                            ? "sslmode='" + it->second + "'"
                            : std::string("no sslmode (libpq's default, prefer)");
    throw ConfigError(
        "the iam plugin sends the IAM token as a cleartext password on PostgreSQL; refusing to "
        "do so without TLS (" +
            shown +
            "). Set sslmode=require, verify-ca or verify-full (verify-full with the RDS CA "
            "bundle in sslrootcert is recommended), or iam_allow_cleartext_without_tls=true for "
            "a test lab",
        "sslmode");
  }

  aws::RdsTokenKey key = token_key(request, engine_default_port);
  std::string token = cache_.find(key);
  bool from_cache = !token.empty();
  if (!from_cache) {
    token = tokens_->generate_token(key, /*refresh_credentials=*/false);
    cache_.store(key, token, config_.token_lifetime);
  }
  AWRAP_LOG(kDebug) << "iam: " << (from_cache ? "cached" : "new") << " token for user '" << key.user
                    << "' at " << key.host << ":" << key.port << " (" << key.region << ")";
  request.spec.password = std::move(token);
  try {
    return next(request);
  } catch (const AuthError&) {
    // A refused token is useless to every later connection too.
    cache_.invalidate(key);
    if (!from_cache) throw;
    // The cached token may have been made with credentials revoked since; one fresh try.
    AWRAP_LOG(kInfo) << "iam: cached token refused for user '" << key.user << "' at " << key.host
                     << ":" << key.port << "; retrying once with a new token";
  }
  std::string fresh = tokens_->generate_token(key, /*refresh_credentials=*/true);
  cache_.store(key, fresh, config_.token_lifetime);
  request.spec.password = std::move(fresh);
  try {
    return next(request);
  } catch (const AuthError&) {
    cache_.invalidate(key);
    throw;
  }
}

void IamAuthenticator::fill(ConnectSpec& spec, std::string_view engine,
                            int engine_default_port) const {
  if (spec.user.empty()) {
    throw ConfigError("the iam plugin needs a database user name (the IAM database user)", "user");
  }
  if (engine == "mysql") spec.native_options["enable_cleartext_plugin"] = "true";
  aws::RdsTokenKey key = token_key_for(spec, engine_default_port);
  std::string token = cache_.find(key);
  if (token.empty()) {
    token = tokens_->generate_token(key, refresh_credentials_.exchange(false));
    cache_.store(key, token, config_.token_lifetime);
    AWRAP_LOG(kDebug) << "iam: new token for a background connection of user '" << key.user
                      << "' at " << key.host << ":" << key.port << " (" << key.region << ")";
  }
  spec.password = std::move(token);
}

void IamAuthenticator::drop(const ConnectSpec& spec, int engine_default_port) const noexcept {
  try {
    cache_.invalidate(token_key_for(spec, engine_default_port));
    refresh_credentials_ = true;
  } catch (const std::exception& e) {
    AWRAP_LOG(kDebug) << "iam: could not drop a refused token: " << e.what();
  }
}

}  // namespace awrap::internal::plugin::iam
