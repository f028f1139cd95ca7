#include "aws/credential_sources.hpp"

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "awrap/errors.hpp"

namespace awrap::internal::aws {

Credentials credentials_from_json(std::string_view body, std::string_view source) {
  nlohmann::json document = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object()) {
    throw AuthError(std::string(source) + " returned a response that is not a JSON object");
  }
  if (auto code = document.find("Code");
      code != document.end() && code->is_string() && *code != "Success") {
    throw AuthError(std::string(source) +
                    " answered Code=" + error_code_for_messages(code->get<std::string>()));
  }
  auto member = [&](const char* name, bool required) -> std::string {
    auto it = document.find(name);
    if (it == document.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
      if (required) {
        throw AuthError(std::string(source) + " returned no " + name + " in its response");
      }
      return {};
    }
    return it->get<std::string>();
  };
  Credentials credentials;
  credentials.access_key_id = member("AccessKeyId", true);
  credentials.secret_access_key = member("SecretAccessKey", true);
  credentials.session_token = member("Token", false);
  if (std::string expiration = member("Expiration", false); !expiration.empty()) {
    credentials.expiration = parse_iso8601_utc(expiration);
    if (!credentials.expiration) {
      // The value is not quoted: nothing an endpoint sends back goes into a message.
      throw AuthError(std::string(source) +
                      " returned an Expiration that is not an ISO 8601 UTC time");
    }
  }
  return credentials;
}

std::string error_code_for_messages(std::string_view code) {
  std::string out;
  for (char c : code) {
    if (out.size() == 64) break;
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') {
      out.push_back(c);
    }
  }
  return out.empty() ? "no error code" : out;
}

std::shared_ptr<const HttpClient> http_client_for(const CredentialsChainOptions& options) {
  if (options.http) return options.http;
  return std::make_shared<CurlHttpClient>(
      HttpClientOptions{options.environment("AWS_CA_BUNDLE").value_or("")});
}

std::string read_secret_file(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw AuthError("cannot read the " + std::string(what) + " file " + path);
  std::ostringstream content;
  content << in.rdbuf();
  std::string text = content.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  if (text.empty()) throw AuthError("the " + std::string(what) + " file " + path + " is empty");
  return text;
}

}  // namespace awrap::internal::aws
