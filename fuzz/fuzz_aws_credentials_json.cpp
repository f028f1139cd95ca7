// Fuzzes credentials_from_json, the reader of the container (ECS/EKS) and EC2 instance metadata
// credential documents. The input is the response body. Besides crashes it checks:
//  - only AuthError escapes, and it never shows a value of the document (every string member is
//    wrapped in a marker first; the marker must not appear in the message);
//  - the credentials returned are the members' values, unchanged.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "awrap/errors.hpp"
#include "aws/credential_sources.hpp"
#include "fuzz_check.hpp"

namespace {

using nlohmann::json;

std::string member(const json& document, const char* name) {
  auto it = document.find(name);
  return it != document.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  try {
    (void)awrap::internal::aws::credentials_from_json(body, "container endpoint");
  } catch (const awrap::AuthError&) {
  }
  if (awrap::internal::fuzz::shows_secret_marker(body)) return 0;
  json document = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object()) return 0;
  for (auto& [key, value] : document.items()) {
    // "Success" must stay as it is; an Expiration must stay a time to reach the later checks.
    if (value.is_string() && key != "Code" && key != "Expiration")
      value = awrap::internal::fuzz::marked_secret(value.get<std::string>());
  }
  std::string text = document.dump(-1, ' ', false, json::error_handler_t::replace);
  try {
    auto credentials = awrap::internal::aws::credentials_from_json(text, "container endpoint");
    FUZZ_CHECK(credentials.access_key_id == member(document, "AccessKeyId") &&
                   credentials.secret_access_key == member(document, "SecretAccessKey") &&
                   credentials.session_token == member(document, "Token"),
               text);
  } catch (const awrap::AuthError& e) {
    FUZZ_CHECK(!awrap::internal::fuzz::shows_secret_marker(e.what()), text + " -> " + e.what());
  }
  return 0;
}
