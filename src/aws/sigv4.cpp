#include "aws/sigv4.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

#include "aws/utc_time.hpp"

namespace awrap::internal::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Trims and folds each run of whitespace to one space (quoted text included, as the suite wants).
std::string canonical_header_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

bool is_unsigned_header(std::string_view lower_name) {
  return lower_name == "user-agent" || lower_name == "expect" || lower_name == "x-amzn-trace-id" ||
         lower_name == "authorization";
}

bool has_header(const HttpHeaders& headers, std::string_view lower_name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& header) { return to_lower(header.first) == lower_name; });
}

std::string date_of(std::string_view amz_date) {
  return std::string(amz_date.substr(0, 8));
}

std::string credential_scope(std::string_view date, const SigningScope& scope) {
  std::string out;
  out.reserve(64);
  out.append(date).append("/").append(scope.region).append("/").append(scope.service);
  out.append("/aws4_request");
  return out;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope_text,
                           std::string_view canonical_request) {
  std::string out;
  out.reserve(160);
  out.append(kAlgorithm).append("\n").append(amz_date).append("\n").append(scope_text);
  out.append("\n").append(sha256_hex(canonical_request));
  return out;
}

std::string signature_of(const SigningIdentity& identity, std::string_view date,
                         const SigningScope& scope, std::string_view to_sign) {
  Digest256 key = derive_signing_key(identity.secret_access_key, date, scope.region, scope.service);
  std::string signature = to_hex(hmac_sha256(key, to_sign));
  OPENSSL_cleanse(key.data(), key.size());
  return signature;
}

}  // namespace

std::string format_amz_date(std::chrono::system_clock::time_point time) {
  std::time_t seconds =
      std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(time));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[20];
  std::size_t n = std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &utc);
  return std::string(buffer, n);
}

std::optional<std::chrono::system_clock::time_point> parse_amz_date(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  return utc_time_from_fields(text, {{{0, 4}, {4, 2}, {6, 2}, {9, 2}, {11, 2}, {13, 2}}});
}

std::string uri_encode(std::string_view raw, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(raw.size() + raw.size() / 2);
  for (char ch : raw) {
    auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0x0f]);
    }
  }
  return out;
}

std::string uri_decode(std::string_view encoded) {
  std::string out;
  out.reserve(encoded.size());
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '%' && i + 2 < encoded.size()) {
      int high = hex_value(encoded[i + 1]), low = hex_value(encoded[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(encoded[i]);
  }
  return out;
}

std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string out = "/";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out.push_back('/');
    out.append(segments[i]);
  }
  // A trailing slash is kept, as botocore does (posixpath.normpath plus the original's '/').
  if (!path.empty() && path.back() == '/' && !segments.empty()) out.push_back('/');
  return out;
}

std::string canonical_query_string(const QueryParameters& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [key, value] : query) encoded.emplace_back(uri_encode(key), uri_encode(value));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [key, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out.append(key).append("=").append(value);
  }
  return out;
}

Digest256 derive_signing_key(std::string_view secret_access_key, std::string_view date,
                             std::string_view region, std::string_view service) {
  std::string first_key;
  first_key.reserve(4 + secret_access_key.size());
  first_key.append("AWS4").append(secret_access_key);
  Digest256 key = hmac_sha256(first_key, date);
  OPENSSL_cleanse(first_key.data(), first_key.size());
  key = hmac_sha256(key, region);
  key = hmac_sha256(key, service);
  return hmac_sha256(key, "aws4_request");
}

SignatureParts sign_request(HttpRequestToSign& request, const SigningIdentity& identity,
                            const SigningScope& scope, const SigningOptions& options) {
  // Re-signing (a retry) replaces the old signature rather than sending two.
  std::erase_if(request.headers,
                [](const auto& header) { return to_lower(header.first) == "authorization"; });
  std::string amz_date;
  for (const auto& [name, value] : request.headers) {
    if (to_lower(name) == "x-amz-date") amz_date = canonical_header_value(value);
  }
  if (amz_date.empty()) {
    amz_date = format_amz_date(scope.time);
    request.headers.emplace_back("X-Amz-Date", amz_date);
  }
  if (!identity.session_token.empty() && !has_header(request.headers, "x-amz-security-token")) {
    request.headers.emplace_back("X-Amz-Security-Token", std::string(identity.session_token));
  }

  // Canonical headers: lowercase names, sorted; repeated names joined by commas in order.
  std::map<std::string, std::string> canonical;
  for (const auto& [name, value] : request.headers) {
    std::string lower = to_lower(name);
    if (is_unsigned_header(lower)) continue;
    auto [it, inserted] = canonical.try_emplace(lower, canonical_header_value(value));
    if (!inserted) it->second.append(",").append(canonical_header_value(value));
  }

  SignatureParts parts;
  std::string header_block;
  for (const auto& [name, value] : canonical) {
    header_block.append(name).append(":").append(value).append("\n");
    if (!parts.signed_headers.empty()) parts.signed_headers.push_back(';');
    parts.signed_headers.append(name);
  }

  std::string path = options.normalize_path ? normalize_path(request.path) : request.path;
  parts.canonical_request.append(request.method).append("\n");
  parts.canonical_request.append(uri_encode(path, /*keep_slash=*/true)).append("\n");
  parts.canonical_request.append(canonical_query_string(request.query)).append("\n");
  parts.canonical_request.append(header_block).append("\n");
  parts.canonical_request.append(parts.signed_headers).append("\n");
  parts.canonical_request.append(options.payload_hash ? *options.payload_hash
                                                      : sha256_hex(request.payload));

  std::string date = date_of(amz_date);
  std::string scope_text = credential_scope(date, scope);
  parts.string_to_sign = string_to_sign(amz_date, scope_text, parts.canonical_request);
  parts.signature = signature_of(identity, date, scope, parts.string_to_sign);
  parts.authorization.append(kAlgorithm).append(" Credential=").append(identity.access_key_id);
  parts.authorization.append("/").append(scope_text).append(", SignedHeaders=");
  parts.authorization.append(parts.signed_headers).append(", Signature=").append(parts.signature);
  request.headers.emplace_back("Authorization", parts.authorization);
  return parts;
}

PresignedQuery presign_query(std::string_view method, std::string_view path,
                             const QueryParameters& parameters, std::string_view host_header,
                             const SigningIdentity& identity, const SigningScope& scope,
                             std::chrono::seconds expires) {
  std::string amz_date = format_amz_date(scope.time);
  std::string date = date_of(amz_date);
  std::string scope_text = credential_scope(date, scope);

  QueryParameters all = parameters;
  all.reserve(parameters.size() + 7);
  all.emplace_back("X-Amz-Algorithm", std::string(kAlgorithm));
  std::string credential(identity.access_key_id);
  credential.append("/").append(scope_text);
  all.emplace_back("X-Amz-Credential", std::move(credential));
  all.emplace_back("X-Amz-Date", amz_date);
  all.emplace_back("X-Amz-Expires", std::to_string(expires.count()));
  all.emplace_back("X-Amz-SignedHeaders", "host");
  if (!identity.session_token.empty()) {
    all.emplace_back("X-Amz-Security-Token", std::string(identity.session_token));
  }

  PresignedQuery result;
  result.parts.signed_headers = "host";
  SignatureParts& parts = result.parts;
  parts.canonical_request.reserve(1024);
  parts.canonical_request.append(method).append("\n");
  parts.canonical_request.append(uri_encode(normalize_path(path), true)).append("\n");
  parts.canonical_request.append(canonical_query_string(all)).append("\n");
  parts.canonical_request.append("host:").append(canonical_header_value(to_lower(host_header)));
  parts.canonical_request.append("\n\nhost\n").append(kEmptyPayloadHash);
  parts.string_to_sign = string_to_sign(amz_date, scope_text, parts.canonical_request);
  parts.signature = signature_of(identity, date, scope, parts.string_to_sign);

  result.query.reserve(parts.canonical_request.size());
  for (const auto& [key, value] : all) {
    if (!result.query.empty()) result.query.push_back('&');
    result.query.append(uri_encode(key)).append("=").append(uri_encode(value));
  }
  result.query.append("&X-Amz-Signature=").append(parts.signature);
  return result;
}

}  // namespace awrap::internal::aws
