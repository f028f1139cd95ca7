// EC2 instance profile credentials through IMDSv2 (session token first; IMDSv1 is not used).
#include <cctype>

#include "awrap/errors.hpp"
#include "aws/credential_sources.hpp"

namespace awrap::internal::aws {
namespace {

constexpr std::string_view kDefaultEndpoint = "http://169.254.169.254";
constexpr std::string_view kCredentialsPath = "/latest/meta-data/iam/security-credentials/";

bool is_true(const std::optional<std::string>& value) {
  if (!value) return false;
  std::string lower = *value;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "true" || lower == "1";
}

class ImdsProvider final : public CredentialsProvider {
 public:
  explicit ImdsProvider(const CredentialsChainOptions& options) : options_(options) {}
  std::string_view name() const noexcept override { return "EC2 instance metadata"; }

  ProviderOutcome resolve() override {
    const EnvironmentLookup& env = options_.environment;
    if (is_true(env("AWS_EC2_METADATA_DISABLED"))) {
      return {std::nullopt, "disabled by AWS_EC2_METADATA_DISABLED"};
    }
    std::string endpoint =
        env("AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or(std::string(kDefaultEndpoint));
    while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
    auto http = http_client_for(options_);

    HttpRequest token_request;
    token_request.method = "PUT";
    token_request.url = endpoint + "/latest/api/token";
    token_request.timeout = options_.imds_timeout;
    token_request.headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}};
    HttpResponse token_response;
    try {
      token_response = http->send(token_request);
    } catch (const HttpTransportError& error) {
      // Off EC2 nothing answers: that is "not configured", not a failure.
      return {std::nullopt, std::string("no instance metadata service: ") + error.what()};
    }
    if (token_response.status != 200 || token_response.body.empty()) {
      return {std::nullopt, "instance metadata service at " + url_host_for_messages(endpoint) +
                                " refused an IMDSv2 session token (HTTP " +
                                std::to_string(token_response.status) + ")"};
    }
    const std::string& session = token_response.body;

    auto get = [&](const std::string& path) {
      HttpRequest request;
      request.url = endpoint + path;
      request.timeout = options_.imds_timeout;
      request.headers = {{"X-aws-ec2-metadata-token", session}};
      try {
        return http->send(request);
      } catch (const HttpTransportError& error) {
        throw AuthError(std::string("instance metadata service: ") + error.what());
      }
    };
    HttpResponse roles = get(std::string(kCredentialsPath));
    if (roles.status == 404) {
      return {std::nullopt, "this instance has no IAM role (instance profile)"};
    }
    if (roles.status != 200) {
      throw AuthError("instance metadata service answered HTTP " + std::to_string(roles.status) +
                      " for the role name");
    }
    std::string role = roles.body.substr(0, roles.body.find_first_of("\r\n"));
    if (role.empty()) return {std::nullopt, "this instance has no IAM role (instance profile)"};
    HttpResponse credentials = get(std::string(kCredentialsPath) + role);
    if (credentials.status != 200) {
      throw AuthError("instance metadata service answered HTTP " +
                      std::to_string(credentials.status) + " for the credentials of role " + role);
    }
    return {credentials_from_json(credentials.body, "instance metadata service"), {}};
  }

 private:
  CredentialsChainOptions options_;
};

}  // namespace

std::unique_ptr<CredentialsProvider> make_imds_provider(const CredentialsChainOptions& options) {
  return std::make_unique<ImdsProvider>(options);
}

}  // namespace awrap::internal::aws
