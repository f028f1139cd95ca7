// STS AssumeRoleWithWebIdentity (EKS IRSA and other OIDC federations). The call is unsigned:
// the web identity token is the proof.
#include <chrono>

#include "awrap/errors.hpp"
#include "aws/credential_sources.hpp"
#include "aws/shared_config.hpp"
#include "aws/sigv4.hpp"

namespace awrap::internal::aws {
namespace {

// "<tag>" or "</tag>". Built by append: GCC 12 at -O3 reports a false -Wrestrict for
// `"<" + std::string(tag) + ">"` (GCC bug 105329), which breaks -Werror Release builds.
std::string xml_tag(std::string_view tag, bool closing) {
  std::string out;
  out.reserve(tag.size() + 3);
  out.append(closing ? "</" : "<").append(tag).append(">");
  return out;
}

// The text of the first <tag>…</tag>, XML entities decoded; nullopt when absent.
std::optional<std::string> xml_element(std::string_view xml, std::string_view tag) {
  std::string open = xml_tag(tag, false);
  std::string close = xml_tag(tag, true);
  std::size_t start = xml.find(open);
  if (start == std::string_view::npos) return std::nullopt;
  start += open.size();
  std::size_t end = xml.find(close, start);
  if (end == std::string_view::npos) return std::nullopt;
  std::string_view raw = xml.substr(start, end - start);
  std::string out;
  out.reserve(raw.size());
  static constexpr std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
  for (std::size_t i = 0; i < raw.size(); ++i) {
    bool replaced = false;
    if (raw[i] == '&') {
      for (const auto& [entity, ch] : kEntities) {
        if (raw.substr(i, entity.size()) == entity) {
          out.push_back(ch);
          i += entity.size() - 1;
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out.push_back(raw[i]);
  }
  return out;
}

std::string sts_endpoint(const CredentialsChainOptions& options) {
  const EnvironmentLookup& env = options.environment;
  if (auto url = env("AWS_ENDPOINT_URL_STS")) return *url;
  if (auto url = env("AWS_ENDPOINT_URL")) return *url;
  std::string region =
      env("AWS_REGION").value_or(env("AWS_DEFAULT_REGION").value_or(options.region));
  if (region.empty()) return "https://sts.amazonaws.com/";
  std::string suffix = region.starts_with("cn-") ? ".amazonaws.com.cn/" : ".amazonaws.com/";
  return "https://sts." + region + suffix;
}

class WebIdentityProvider final : public CredentialsProvider {
 public:
  explicit WebIdentityProvider(const CredentialsChainOptions& options) : options_(options) {}
  std::string_view name() const noexcept override { return "web identity"; }

  ProviderOutcome resolve() override {
    const EnvironmentLookup& env = options_.environment;
    auto token_file = env("AWS_WEB_IDENTITY_TOKEN_FILE");
    auto role_arn = env("AWS_ROLE_ARN");
    std::optional<std::string> session_name = env("AWS_ROLE_SESSION_NAME");
    if (!token_file && !role_arn) {
      // The profile may name them instead (web_identity_token_file, role_arn).
      SharedConfigFiles files = SharedConfigFiles::load(env);
      std::string profile = selected_profile(options_.profile, env);
      if (const ProfileSettings* settings = files.config_profile(profile)) {
        if (auto it = settings->find("web_identity_token_file"); it != settings->end()) {
          token_file = expand_home(it->second, env);
        }
        if (auto it = settings->find("role_arn"); it != settings->end() && token_file) {
          role_arn = it->second;
        }
        if (auto it = settings->find("role_session_name"); it != settings->end()) {
          session_name = it->second;
        }
      }
    }
    if (!token_file || !role_arn) {
      return {std::nullopt,
              token_file ? "AWS_ROLE_ARN is not set" : "AWS_WEB_IDENTITY_TOKEN_FILE is not set"};
    }
    std::string web_token = read_secret_file(*token_file, "web identity token");
    std::string session = session_name.value_or(
        "awrap-" + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                      options_.clock->now().time_since_epoch())
                                      .count()));

    HttpRequest request;
    request.method = "POST";
    request.url = sts_endpoint(options_);
    request.timeout = options_.http_timeout;
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                       {"Accept", "application/xml"}};
    request.body =
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" + uri_encode(*role_arn) +
        "&RoleSessionName=" + uri_encode(session) + "&WebIdentityToken=" + uri_encode(web_token);
    HttpResponse response;
    try {
      response = http_client_for(options_)->send(request);
    } catch (const HttpTransportError& error) {
      throw AuthError(std::string("STS AssumeRoleWithWebIdentity: ") + error.what());
    }
    if (response.status != 200) {
      std::string code = error_code_for_messages(xml_element(response.body, "Code").value_or(""));
      throw AuthError("STS AssumeRoleWithWebIdentity at " + url_host_for_messages(request.url) +
                      " for role " + *role_arn + " answered HTTP " +
                      std::to_string(response.status) + " (" + code + ")");
    }
    Credentials credentials;
    credentials.access_key_id = xml_element(response.body, "AccessKeyId").value_or("");
    credentials.secret_access_key = xml_element(response.body, "SecretAccessKey").value_or("");
    credentials.session_token = xml_element(response.body, "SessionToken").value_or("");
    if (auto expiration = xml_element(response.body, "Expiration")) {
      credentials.expiration = parse_iso8601_utc(*expiration);
    }
    if (!credentials.complete() || credentials.session_token.empty() || !credentials.expiration) {
      throw AuthError(
          "STS AssumeRoleWithWebIdentity returned a response without complete "
          "credentials (AccessKeyId, SecretAccessKey, SessionToken, Expiration)");
    }
    return {std::move(credentials), {}};
  }

 private:
  CredentialsChainOptions options_;
};

}  // namespace

std::unique_ptr<CredentialsProvider> make_web_identity_provider(
    const CredentialsChainOptions& options) {
  return std::make_unique<WebIdentityProvider>(options);
}

}  // namespace awrap::internal::aws
