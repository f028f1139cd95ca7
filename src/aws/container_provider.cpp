// ECS task roles and EKS Pod Identity: a local endpoint hands out the task's credentials.
#include "awrap/errors.hpp"
#include "aws/credential_sources.hpp"

namespace awrap::internal::aws {
namespace {

constexpr std::string_view kEcsEndpoint = "http://169.254.170.2";

std::string lowercase_host_of(const std::string& url) {
  std::string host = url_host_for_messages(url);
  if (!host.empty() && host.front() == '[') {
    host = host.substr(0, host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return host;
}

// Plain-http full URIs may only point at the container agents or loopback (SDK rule): anything
// else would send the authorization token in the clear across a network.
bool allowed_plain_http_host(const std::string& host) {
  return host == "localhost" || host.starts_with("127.") || host == "[::1]" ||
         host == "169.254.170.2" || host == "169.254.170.23" || host == "[fd00:ec2::23]";
}

class ContainerProvider final : public CredentialsProvider {
 public:
  explicit ContainerProvider(const CredentialsChainOptions& options) : options_(options) {}
  std::string_view name() const noexcept override { return "container"; }

  ProviderOutcome resolve() override {
    const EnvironmentLookup& env = options_.environment;
    std::string url;
    if (auto relative = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
      url = std::string(kEcsEndpoint) + *relative;
    } else if (auto full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
      url = *full;
      bool https = url.starts_with("https://");
      if (!https &&
          !(url.starts_with("http://") && allowed_plain_http_host(lowercase_host_of(url)))) {
        throw AuthError(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback "
            "or container-agent address; host " +
            url_host_for_messages(url) + " is not allowed");
      }
    } else {
      return {std::nullopt, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI are not set"};
    }

    HttpRequest request;
    request.url = url;
    request.timeout = options_.http_timeout;
    if (auto token_file = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
      request.headers.emplace_back("Authorization",
                                   read_secret_file(*token_file, "container authorization token"));
    } else if (auto token = env("AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
      request.headers.emplace_back("Authorization", *token);
    }
    request.headers.emplace_back("Accept", "application/json");
    HttpResponse response;
    try {
      response = http_client_for(options_)->send(request);
    } catch (const HttpTransportError& error) {
      throw AuthError(std::string("container credentials endpoint: ") + error.what());
    }
    if (response.status != 200) {
      throw AuthError("container credentials endpoint " + url_host_for_messages(url) +
                      " answered HTTP " + std::to_string(response.status));
    }
    return {credentials_from_json(response.body, "container credentials endpoint"), {}};
  }

 private:
  CredentialsChainOptions options_;
};

}  // namespace

std::unique_ptr<CredentialsProvider> make_container_provider(
    const CredentialsChainOptions& options) {
  return std::make_unique<ContainerProvider>(options);
}

}  // namespace awrap::internal::aws
