// AWS credentials and where they come from: a chain of providers like the AWS SDKs' default
// chain, with expiry-aware caching.
//
//   auto provider = aws::make_default_credentials_chain({.profile = "analytics"});
//   aws::Credentials credentials = provider->credentials();  // AuthError when none
//
// Order of the default chain (the first that is configured answers):
//   1. environment   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
//   2. shared files  ~/.aws/credentials then ~/.aws/config, profile = aws_profile property,
//                    else AWS_PROFILE, else "default"
//   3. web identity  AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN -> STS AssumeRoleWithWebIdentity
//   4. container     AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI (ECS, EKS Pod Identity)
//   5. EC2 IMDSv2    unless AWS_EC2_METADATA_DISABLED=true
// A source that is not configured is skipped; one that is configured but fails stops the chain
// with its error (as the SDKs do), except IMDS, whose absence off EC2 is normal.
//
// Secrets: Credentials has no stream operator and no provider formats a key, a secret or a
// session token into any message.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/clock.hpp"
#include "aws/environment.hpp"
#include "aws/http_client.hpp"
#include "base/thread_annotations.hpp"

namespace awrap::internal::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
  // When temporary credentials stop working; nullopt for long-term keys.
  std::optional<std::chrono::system_clock::time_point> expiration;

  bool complete() const noexcept { return !access_key_id.empty() && !secret_access_key.empty(); }
};

// What one provider found: credentials, or why it did not apply (no secrets in the reason).
struct ProviderOutcome {
  std::optional<Credentials> credentials;
  std::string skipped_because;
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Short name for messages: "environment", "shared files", "web identity", ...
  virtual std::string_view name() const noexcept = 0;
  // Skipped (not configured) or credentials. Throws awrap::AuthError when configured but
  // failing (unreadable token file, STS refusal, malformed response).
  virtual ProviderOutcome resolve() = 0;
};

// Everything the providers read, injected.
struct CredentialsChainOptions {
  std::string profile;  // the aws_profile property; empty: AWS_PROFILE, else "default"
  EnvironmentLookup environment = process_environment();
  std::shared_ptr<const Clock> clock = system_clock();
  // Null: a CurlHttpClient trusting AWS_CA_BUNDLE (if set) instead of the system CAs.
  std::shared_ptr<const HttpClient> http;
  std::chrono::milliseconds http_timeout{5000};  // STS and container endpoints
  // IMDS answers in milliseconds on EC2; off EC2 the address is a black hole.
  std::chrono::milliseconds imds_timeout{1000};
  // Region for STS when no AWS_REGION is set (the iam plugin passes its resolved region).
  std::string region;
};

std::unique_ptr<CredentialsProvider> make_environment_provider(
    const CredentialsChainOptions& options);
std::unique_ptr<CredentialsProvider> make_shared_files_provider(
    const CredentialsChainOptions& options);
std::unique_ptr<CredentialsProvider> make_web_identity_provider(
    const CredentialsChainOptions& options);
std::unique_ptr<CredentialsProvider> make_container_provider(
    const CredentialsChainOptions& options);
std::unique_ptr<CredentialsProvider> make_imds_provider(const CredentialsChainOptions& options);

// Asks providers in order. Throws awrap::AuthError listing every provider tried and why it did
// not answer when none has credentials.
// Thread-safety: not thread-safe by itself; wrap it in a CachingCredentialsProvider.
class CredentialsChain final {
 public:
  explicit CredentialsChain(std::vector<std::unique_ptr<CredentialsProvider>> providers);
  // The first provider's credentials, and its name.
  std::pair<Credentials, std::string> resolve();

 private:
  std::vector<std::unique_ptr<CredentialsProvider>> providers_;
};

// Reuses credentials until `refresh_before` ahead of their expiration (forever for long-term
// keys), then asks the chain again.
// Thread-safety: credentials() may be called concurrently; one thread refreshes at a time.
class CachingCredentialsProvider final {
 public:
  CachingCredentialsProvider(CredentialsChain chain, std::shared_ptr<const Clock> clock,
                             std::chrono::seconds refresh_before = std::chrono::minutes(5));
  Credentials credentials();
  // Name of the provider that gave the cached credentials (empty before the first call).
  std::string source() const;
  // Forget the cached credentials (e.g. after the server refused a token signed with them).
  void invalidate();

 private:
  mutable Mutex mutex_;
  CredentialsChain chain_ GUARDED_BY(mutex_);
  std::shared_ptr<const Clock> clock_;
  std::chrono::seconds refresh_before_;
  std::optional<Credentials> cached_ GUARDED_BY(mutex_);
  std::string source_ GUARDED_BY(mutex_);
};

// The five providers above in the SDK order, cached.
std::unique_ptr<CachingCredentialsProvider> make_default_credentials_chain(
    CredentialsChainOptions options = {});

// Parses ISO 8601 UTC times as AWS returns them ("2024-01-15T10:30:00Z", fraction and "+00:00"
// accepted). nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_iso8601_utc(std::string_view text);

}  // namespace awrap::internal::aws
