// Helpers shared by the credential providers that ask an endpoint (web identity, container,
// IMDS). Internal to src/aws.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "aws/credentials.hpp"

namespace awrap::internal::aws {

// The JSON document of the container and IMDS endpoints: AccessKeyId, SecretAccessKey, Token,
// Expiration (and for IMDS Code = "Success"). Throws awrap::AuthError naming `source` and the
// missing member; never the values.
Credentials credentials_from_json(std::string_view body, std::string_view source);

// options.http, or a CurlHttpClient trusting AWS_CA_BUNDLE when set.
std::shared_ptr<const HttpClient> http_client_for(const CredentialsChainOptions& options);

// An error code an endpoint sent (STS "AccessDenied", IMDS "Failure"), cut to letters, digits,
// '.', '_' and '-' and 64 characters: enough to diagnose, too little to carry a secret.
std::string error_code_for_messages(std::string_view code);

// Reads a small file (a web identity token, a container authorization token). Throws
// awrap::AuthError naming the path (the content is secret).
std::string read_secret_file(const std::string& path, std::string_view what);

}  // namespace awrap::internal::aws
