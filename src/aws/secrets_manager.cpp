#include "aws/secrets_manager.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "awrap/errors.hpp"
#include "aws/credential_sources.hpp"
#include "aws/region.hpp"
#include "aws/sigv4.hpp"
#include "base/logging.hpp"

namespace awrap::internal::aws {
namespace {

constexpr std::string_view kTarget = "secretsmanager.GetSecretValue";

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

enum class Outcome { kRetry, kRefreshCredentials, kFail };

Outcome classify(long status, const std::string& code) {
  static constexpr std::string_view kThrottling[] = {
      "ThrottlingException",       "Throttling",           "TooManyRequestsException",
      "RequestLimitExceeded",      "ThrottledException",   "RequestThrottled",
      "RequestThrottledException", "InternalServiceError", "InternalFailure",
      "ServiceUnavailable"};
  static constexpr std::string_view kCredentials[] = {
      "UnrecognizedClientException", "InvalidSignatureException",
      "ExpiredTokenException",       "ExpiredToken",
      "InvalidClientTokenId",        "SignatureDoesNotMatch",
      "IncompleteSignature"};
  if (std::find(std::begin(kThrottling), std::end(kThrottling), code) != std::end(kThrottling)) {
    return Outcome::kRetry;
  }
  if (std::find(std::begin(kCredentials), std::end(kCredentials), code) != std::end(kCredentials)) {
    return Outcome::kRefreshCredentials;
  }
  if (status == 429 || status >= 500) return Outcome::kRetry;
  return Outcome::kFail;
}

// Full URL -> (authority for the Host header, path).
std::pair<std::string, std::string> host_and_path(const std::string& url) {
  std::string authority = url_host_for_messages(url);
  if (url.starts_with("https://") && authority.ends_with(":443")) {
    authority.resize(authority.size() - 4);  // as botocore signs it: no default port
  }
  std::size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  std::size_t slash = url.find('/', start);
  std::string path = slash == std::string::npos ? "/" : url.substr(slash);
  if (std::size_t cut = path.find_first_of("?#"); cut != std::string::npos) path.resize(cut);
  return {lowercase(authority), path.empty() ? "/" : path};
}

std::chrono::milliseconds jittered(std::chrono::milliseconds delay) {
  // Equal jitter: many processes throttled together must not come back together.
  thread_local std::minstd_rand random(std::random_device{}());
  auto half = delay.count() / 2;
  std::uniform_int_distribution<long long> spread(0, std::max<long long>(half, 0));
  return std::chrono::milliseconds(delay.count() - half + spread(random));
}

}  // namespace

std::optional<std::string> region_from_secret_arn(std::string_view secret_id) {
  // arn:aws:secretsmanager:us-east-1:123456789012:secret:name-AbCdEf
  if (!secret_id.starts_with("arn:")) return std::nullopt;
  std::string_view fields[6];
  std::size_t start = 0;
  for (int i = 0; i < 6; ++i) {
    std::size_t colon = secret_id.find(':', start);
    if (colon == std::string_view::npos) return std::nullopt;
    fields[i] = secret_id.substr(start, colon - start);
    start = colon + 1;
  }
  if (fields[2] != "secretsmanager" || fields[5] != "secret" || start >= secret_id.size()) {
    return std::nullopt;
  }
  std::string region = lowercase(fields[3]);
  if (!looks_like_region(region)) return std::nullopt;
  return region;
}

std::string secrets_manager_endpoint(std::string_view region) {
  std::string suffix = ".amazonaws.com";
  if (region.starts_with("cn-")) {
    suffix = ".amazonaws.com.cn";
  } else if (region.starts_with("us-isob-")) {
    suffix = ".sc2s.sgov.gov";
  } else if (region.starts_with("us-iso-")) {
    suffix = ".c2s.ic.gov";
  }
  return "https://secretsmanager." + std::string(region) + suffix;
}

SecretLocation resolve_secret_location(const SecretLocationSources& sources) {
  SecretLocation location;
  if (sources.explicit_region.empty()) {
    if (auto region = region_from_secret_arn(sources.secret_id)) location.region = *region;
  }
  if (location.region.empty()) {
    RegionSources region_sources;
    region_sources.explicit_region = sources.explicit_region;
    region_sources.host = sources.database_host;
    region_sources.profile = sources.profile;
    region_sources.environment = sources.environment;
    region_sources.property_name = "secrets_manager_region";
    location.region = resolve_region(region_sources);
  }
  if (!looks_like_region(location.region)) {
    throw ConfigError("'" + location.region +
                          "' (from the environment or the AWS profile) is not an AWS region name; "
                          "set secrets_manager_region",
                      "secrets_manager_region");
  }
  const EnvironmentLookup& env = sources.environment;
  std::string endpoint = sources.explicit_endpoint;
  std::string origin = "secrets_manager_endpoint";
  if (endpoint.empty()) {
    if (auto url = env("AWS_ENDPOINT_URL_SECRETS_MANAGER")) {
      endpoint = *url;
      origin = "AWS_ENDPOINT_URL_SECRETS_MANAGER";
    } else if (auto any = env("AWS_ENDPOINT_URL")) {
      endpoint = *any;
      origin = "AWS_ENDPOINT_URL";
    }
  }
  if (endpoint.empty()) {
    location.endpoint = secrets_manager_endpoint(location.region);
    return location;
  }
  // The response carries the database password: never over plain HTTP.
  if (!lowercase(endpoint).starts_with("https://") ||
      url_host_for_messages(endpoint.substr(8)).empty()) {
    throw ConfigError(origin + "='" + endpoint +
                          "' is not an https:// URL (e.g. "
                          "https://secretsmanager.us-east-1.amazonaws.com or a VPC endpoint)",
                      "secrets_manager_endpoint");
  }
  location.endpoint = std::move(endpoint);
  return location;
}

std::string json_error_code(std::string_view body) {
  nlohmann::json document = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object()) return {};
  for (const char* member : {"__type", "code", "Code"}) {
    auto it = document.find(member);
    if (it == document.end() || !it->is_string()) continue;
    std::string code = it->get<std::string>();
    if (std::size_t hash = code.rfind('#'); hash != std::string::npos) code.erase(0, hash + 1);
    if (std::size_t colon = code.find(':'); colon != std::string::npos) code.resize(colon);
    return code;
  }
  return {};
}

std::string secret_string_from_response(std::string_view body, std::string_view secret_id) {
  nlohmann::json document = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object()) {
    throw AuthError("Secrets Manager returned a GetSecretValue response for secret '" +
                    std::string(secret_id) + "' that is not a JSON object");
  }
  auto it = document.find("SecretString");
  if (it == document.end() || !it->is_string()) {
    if (document.contains("SecretBinary")) {
      throw AuthError("secret '" + std::string(secret_id) +
                      "' holds SecretBinary; awrap needs a SecretString (a JSON object with the "
                      "user name and password)");
    }
    throw AuthError("Secrets Manager returned no SecretString for secret '" +
                    std::string(secret_id) + "'");
  }
  return it->get<std::string>();
}

SecretsManagerClient::SecretsManagerClient(SecretsManagerClientOptions options)
    : options_(std::move(options)) {
  http_ = options_.http ? options_.http
                        : std::make_shared<CurlHttpClient>(HttpClientOptions{options_.ca_bundle});
  if (!options_.sleep) {
    options_.sleep = [](std::chrono::milliseconds delay) { std::this_thread::sleep_for(delay); };
  }
  options_.max_attempts = std::max(options_.max_attempts, 1);
}

std::string SecretsManagerClient::get_secret_string(const std::string& secret_id,
                                                    const SecretLocation& location) const {
  const auto [host, path] = host_and_path(location.endpoint);
  const std::string where = "secret '" + secret_id + "' (region " + location.region + ", " +
                            url_host_for_messages(location.endpoint) + ")";
  const std::string body = nlohmann::json{{"SecretId", secret_id}}.dump();
  bool refresh_credentials = false;
  bool refreshed_once = false;
  std::string last_failure;
  std::chrono::milliseconds delay = options_.backoff_base;

  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    if (attempt > 1 && !refresh_credentials) {
      options_.sleep(jittered(std::min(delay, options_.backoff_cap)));
      delay *= 2;
    }
    Credentials credentials = options_.credentials(refresh_credentials);
    refresh_credentials = false;
    if (!credentials.complete()) throw AuthError("no AWS credentials to sign GetSecretValue with");

    HttpRequestToSign to_sign;
    to_sign.method = "POST";
    to_sign.path = path;
    to_sign.headers = {{"Host", host},
                       {"Content-Type", "application/x-amz-json-1.1"},
                       {"X-Amz-Target", std::string(kTarget)}};
    to_sign.payload = body;
    sign_request(
        to_sign,
        {credentials.access_key_id, credentials.secret_access_key, credentials.session_token},
        {location.region, "secretsmanager", options_.clock->now()});

    HttpRequest request;
    request.method = "POST";
    request.url = location.endpoint;
    request.headers = std::move(to_sign.headers);
    request.body = body;
    request.timeout = options_.timeout;
    HttpResponse response;
    try {
      response = http_->send(request);
    } catch (const HttpTransportError& error) {
      last_failure = error.what();
      AWRAP_LOG(kDebug) << "secrets manager: attempt " << attempt << " for " << where
                        << " failed: " << last_failure;
      continue;
    }
    if (response.status == 200) {
      return secret_string_from_response(response.body, secret_id);
    }
    std::string code = json_error_code(response.body);
    std::string shown_code = error_code_for_messages(code);
    AWRAP_LOG(kDebug) << "secrets manager: attempt " << attempt << " for " << where
                      << " answered HTTP " << response.status << " (" << shown_code << ")";
    if (code == "ResourceNotFoundException") {
      throw AuthError(where +
                      " was not found in Secrets Manager (ResourceNotFoundException): "
                      "check secrets_manager_secret_id and secrets_manager_region");
    }
    if (code == "AccessDeniedException") {
      throw AuthError("the AWS identity may not read " + where +
                      " (AccessDeniedException): it needs secretsmanager:GetSecretValue on the "
                      "secret and kms:Decrypt on its KMS key");
    }
    switch (classify(response.status, code)) {
      case Outcome::kRetry:
        last_failure = "HTTP " + std::to_string(response.status) + " (" + shown_code + ")";
        continue;
      case Outcome::kRefreshCredentials:
        if (!refreshed_once) {
          // Cached credentials may have been rotated or expired early: one try with fresh ones.
          refreshed_once = true;
          refresh_credentials = true;  // and no pause: nothing is overloaded
          last_failure = "HTTP " + std::to_string(response.status) + " (" + shown_code + ")";
          continue;
        }
        throw AuthError("Secrets Manager refused the AWS credentials for " + where + " (" +
                        shown_code + ")");
      case Outcome::kFail:
        break;
    }
    throw AuthError("Secrets Manager refused GetSecretValue for " + where + ": HTTP " +
                    std::to_string(response.status) + " (" + shown_code + ")");
  }
  throw AuthError("cannot get " + where + " from Secrets Manager after " +
                  std::to_string(options_.max_attempts) + " attempts: " + last_failure);
}

}  // namespace awrap::internal::aws
