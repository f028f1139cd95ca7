// AWS Secrets Manager GetSecretValue over HTTPS (JSON 1.1 protocol, SigV4 for service
// "secretsmanager"), with the region and endpoint rules the AWS SDKs use.
//
//   aws::SecretsManagerClient client({.credentials = [&](bool refresh) {
//     if (refresh) provider->invalidate();
//     return provider->credentials();
//   }});
//   std::string secret_string = client.get_secret_string(
//       "prod/orders/db", {"eu-west-1", aws::secrets_manager_endpoint("eu-west-1")});
//
// Errors are awrap::AuthError (secret not found, access denied, throttled after the retries,
// network, malformed response) whose messages name the secret id, the endpoint's host and the
// AWS error code; never the secret's value, never a response body.
//
// Thread-safety: a SecretsManagerClient may be used by several threads at once if its
// credentials function, HTTP client and sleeper may.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "aws/clock.hpp"
#include "aws/credentials.hpp"
#include "aws/http_client.hpp"

namespace awrap::internal::aws {

// The region of a secret ARN (arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME), or
// nullopt when `secret_id` is not such an ARN (a plain name).
std::optional<std::string> region_from_secret_arn(std::string_view secret_id);

// "https://secretsmanager.REGION.amazonaws.com" and the other partitions' suffixes:
// .amazonaws.com.cn (cn-*), .c2s.ic.gov (us-iso-*), .sc2s.sgov.gov (us-isob-*).
// REQUIRES: looks_like_region(region).
std::string secrets_manager_endpoint(std::string_view region);

struct SecretLocation {
  std::string region;    // signed into the request
  std::string endpoint;  // https URL; its path, if any, is where requests go
};

// What the plugin's properties say, and the environment for the rest.
struct SecretLocationSources {
  std::string secret_id;          // name or ARN
  std::string explicit_region;    // secrets_manager_region
  std::string explicit_endpoint;  // secrets_manager_endpoint
  std::string database_host;      // the connection's host (an RDS name carries a region)
  std::string profile;            // aws_profile
  EnvironmentLookup environment = process_environment();
};

// Region: secrets_manager_region, else the ARN's region, else the database's RDS host name,
// AWS_REGION, AWS_DEFAULT_REGION, the profile's region. Endpoint: secrets_manager_endpoint,
// else AWS_ENDPOINT_URL_SECRETS_MANAGER, else AWS_ENDPOINT_URL, else the standard endpoint of
// the region. Throws awrap::ConfigError naming the property (bad region, an endpoint that is
// not an https:// URL, no region at all).
SecretLocation resolve_secret_location(const SecretLocationSources& sources);

// The AWS error code of a JSON protocol error body: "__type" (the part after '#', as in
// "com.amazonaws.secretsmanager#ResourceNotFoundException"), else "code"; empty when none.
std::string json_error_code(std::string_view body);

// The SecretString member of a GetSecretValue response. Throws awrap::AuthError when the body
// is not JSON or has no SecretString (binary secrets are not supported); names `secret_id` only.
std::string secret_string_from_response(std::string_view body, std::string_view secret_id);

struct SecretsManagerClientOptions {
  // Credentials to sign with; refresh=true after AWS refused the last ones (cached credentials
  // may have been rotated or revoked). Throws awrap::AuthError when there are none.
  std::function<Credentials(bool refresh)> credentials;
  // Null: a CurlHttpClient trusting `ca_bundle` (AWS_CA_BUNDLE) or the system CAs.
  std::shared_ptr<const HttpClient> http;
  std::string ca_bundle;
  std::shared_ptr<const Clock> clock = system_clock();  // signing time
  std::chrono::milliseconds timeout{5000};              // per HTTP request
  // Throttling, 5xx and network failures: at most this many attempts in all, waiting
  // min(backoff_base * 2^n, backoff_cap) with jitter (between half and all of it) in between.
  int max_attempts = 4;
  std::chrono::milliseconds backoff_base{100};
  std::chrono::milliseconds backoff_cap{2000};
  // How to wait between attempts (tests record instead of sleeping). Null: sleep_for.
  std::function<void(std::chrono::milliseconds)> sleep;
};

class SecretsManagerClient {
 public:
  explicit SecretsManagerClient(SecretsManagerClientOptions options);

  // The SecretString of the AWSCURRENT version of `secret_id`. Throws awrap::AuthError.
  std::string get_secret_string(const std::string& secret_id, const SecretLocation& location) const;

 private:
  SecretsManagerClientOptions options_;
  std::shared_ptr<const HttpClient> http_;
};

}  // namespace awrap::internal::aws
