// AWS Signature Version 4: canonical request, string to sign, signing key, Authorization header
// and query-string presigning (the form of RDS IAM tokens).
//
//   aws::HttpRequestToSign request{.method = "POST", .path = "/"};
//   request.headers = {{"Host", "sts.us-east-1.amazonaws.com"},
//                      {"Content-Type", "application/x-www-form-urlencoded"}};
//   request.payload = "Action=GetCallerIdentity&Version=2011-06-15";
//   aws::sign_request(request, {key_id, secret, session_token},
//                            {"us-east-1", "sts", std::chrono::system_clock::now()});
//   // request.headers now also holds X-Amz-Date, X-Amz-Security-Token (when there is a session
//   // token) and Authorization: send exactly these headers.
//
// The normalisation follows AWS's published test suite and botocore: header names lowercased,
// values trimmed with inner runs of whitespace folded to one space, repeated headers joined by
// commas in order; query pairs encoded then sorted by key and value; every byte outside
// A-Z a-z 0-9 - _ . ~ percent-encoded with uppercase hex (a space is %20, never '+'); the path
// normalised (no '.', '..' or empty segments) unless the service is S3-like.
//
// Thread-safety: every function is pure and safe to call concurrently. Nothing here logs: the
// results hold signatures, which callers must not log either.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/crypto.hpp"

namespace awrap::internal::aws {

// The key material to sign with. Views: the caller keeps the strings alive during the call.
struct SigningIdentity {
  std::string_view access_key_id;
  std::string_view secret_access_key;
  std::string_view session_token;  // empty: long-term credentials
};

struct SigningScope {
  std::string_view region;
  std::string_view service;
  std::chrono::system_clock::time_point time;
};

using QueryParameters = std::vector<std::pair<std::string, std::string>>;  // decoded, in order
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;      // as sent, in order

struct HttpRequestToSign {
  std::string method = "GET";
  std::string path = "/";  // decoded bytes ("/example space/"); encoded once while signing
  QueryParameters query;
  HttpHeaders headers;  // REQUIRES: holds the Host header exactly as it will be sent
  std::string payload;
};

struct SigningOptions {
  // Drop '.', '..' and empty path segments (every service except S3).
  bool normalize_path = true;
  // Replaces the payload's SHA-256 in the canonical request (e.g. "UNSIGNED-PAYLOAD").
  std::optional<std::string> payload_hash;
};

// What the signer computed; kept for tests and debugging (never log it: it holds the signature).
struct SignatureParts {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "host;x-amz-date"
  std::string signature;       // lowercase hex
  std::string authorization;   // the Authorization header's value (empty for presigning)
};

// "20150830T123600Z" (UTC).
std::string format_amz_date(std::chrono::system_clock::time_point time);
// Parses "YYYYMMDDTHHMMSSZ"; nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_amz_date(std::string_view text);

// Percent-encodes every byte except A-Z a-z 0-9 - _ . ~ (and '/' when keep_slash), uppercase hex.
std::string uri_encode(std::string_view raw, bool keep_slash = false);
// Reverses %XX escapes ('+' stays '+'). Malformed escapes are kept as they are.
std::string uri_decode(std::string_view encoded);
// Removes '.' and '..' segments and merges repeated slashes; keeps a trailing slash. Always
// starts with '/'.
std::string normalize_path(std::string_view path);

std::string canonical_query_string(const QueryParameters& query);

// The SigV4 signing key: HMAC chain over "AWS4"+secret, date (YYYYMMDD), region, service,
// "aws4_request".
Digest256 derive_signing_key(std::string_view secret_access_key, std::string_view date,
                             std::string_view region, std::string_view service);

// Signs `request` in place: adds X-Amz-Date (unless present), X-Amz-Security-Token (when the
// identity has a session token and the request has none) and Authorization. Every header on
// the request is signed except user-agent, expect and x-amzn-trace-id (as botocore does).
SignatureParts sign_request(HttpRequestToSign& request, const SigningIdentity& identity,
                            const SigningScope& scope, const SigningOptions& options = {});

// A presigned URL's query string, parameters in the order they are sent: `parameters` as given,
// then X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders,
// X-Amz-Security-Token (when there is one) and X-Amz-Signature. Only the host is signed; the
// payload hash is that of the empty body.
struct PresignedQuery {
  std::string query;  // encoded, without the leading '?'
  SignatureParts parts;
};
PresignedQuery presign_query(std::string_view method, std::string_view path,
                             const QueryParameters& parameters, std::string_view host_header,
                             const SigningIdentity& identity, const SigningScope& scope,
                             std::chrono::seconds expires);

}  // namespace awrap::internal::aws
