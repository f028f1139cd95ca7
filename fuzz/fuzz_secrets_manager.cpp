// Fuzzes what awrap reads from AWS Secrets Manager: the GetSecretValue response body
// (secret_string_from_response), the secret string itself (credentials_from_secret), error
// bodies (json_error_code) and secret ARNs (region_from_secret_arn). The first byte picks the
// parser, the rest is its input. Besides crashes it checks:
//  - only AuthError escapes, and it never shows a value of the document: every string member is
//    wrapped in a marker first and the marker must not appear in the message;
//  - what is returned is the member's value, unchanged;
//  - error codes and regions are plain (no '#', a region name).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "awrap/errors.hpp"
#include "aws/region.hpp"
#include "aws/secrets_manager.hpp"
#include "fuzz_check.hpp"
#include "plugin/aws_secrets_manager/secrets_manager_authenticator.hpp"

namespace {

using nlohmann::json;

constexpr std::string_view kSecretId = "prod/db";

// Wraps every string member (and array item) of the top-level object in the secret marker.
// Nullopt when the input is not a JSON object (nothing to mark).
std::optional<json> marked_document(std::string_view text) {
  json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object()) return std::nullopt;
  for (auto& [key, value] : document.items()) {
    if (value.is_string()) value = awrap::internal::fuzz::marked_secret(value.get<std::string>());
  }
  return document;
}

std::string dumped(const json& document) {
  return document.dump(-1, ' ', false, json::error_handler_t::replace);
}

void response_body(std::string_view body) {
  try {
    (void)awrap::internal::aws::secret_string_from_response(body, kSecretId);
  } catch (const awrap::AuthError&) {
  }
  if (awrap::internal::fuzz::shows_secret_marker(body)) return;
  auto document = marked_document(body);
  if (!document) return;
  std::string text = dumped(*document);
  try {
    std::string secret = awrap::internal::aws::secret_string_from_response(text, kSecretId);
    auto it = document->find("SecretString");
    FUZZ_CHECK(it != document->end() && it->is_string() && it->get<std::string>() == secret, text);
  } catch (const awrap::AuthError& e) {
    FUZZ_CHECK(!awrap::internal::fuzz::shows_secret_marker(e.what()), text + " -> " + e.what());
  }
}

void secret_string(std::string_view secret) {
  using awrap::internal::plugin::secrets_manager::credentials_from_secret;
  try {
    (void)credentials_from_secret(secret, kSecretId, "username", "password");
  } catch (const awrap::AuthError&) {
  }
  if (awrap::internal::fuzz::shows_secret_marker(secret)) return;
  auto document = marked_document(secret);
  if (!document) return;
  std::string text = dumped(*document);
  try {
    auto credentials = credentials_from_secret(text, kSecretId, "username", "password");
    FUZZ_CHECK(credentials.username == document->at("username").get<std::string>() &&
                   credentials.password == document->at("password").get<std::string>(),
               text);
  } catch (const awrap::AuthError& e) {
    FUZZ_CHECK(!awrap::internal::fuzz::shows_secret_marker(e.what()), text + " -> " + e.what());
  }
}

void error_body(std::string_view body) {
  std::string code = awrap::internal::aws::json_error_code(body);
  FUZZ_CHECK(code.find('#') == std::string::npos && code.find(':') == std::string::npos, code);
}

void secret_arn(std::string_view arn) {
  auto region = awrap::internal::aws::region_from_secret_arn(arn);
  if (!region) return;
  FUZZ_CHECK(awrap::internal::aws::looks_like_region(*region), *region);
  for (char c : *region) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'), *region);
  (void)awrap::internal::aws::secrets_manager_endpoint(*region);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      response_body(text);
      break;
    case 1:
      secret_string(text);
      break;
    case 2:
      error_body(text);
      break;
    default:
      secret_arn(text);
      break;
  }
  return 0;
}
