// SigV4 against AWS's official test suite and botocore-made vectors (tests/data/sigv4).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "aws/sigv4.hpp"

namespace awrap::internal::aws {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kSigv4Dir = fs::path(AWRAP_TEST_DATA_DIR) / "sigv4";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// Parses a suite .req: request line, headers (with continuation lines), blank line, body.
HttpRequestToSign parse_suite_request(const std::string& text) {
  std::vector<std::string> lines = split_lines(text);
  while (!lines.empty() && lines.back().empty() && lines.size() > 1 &&
         text.find("\n\n") == std::string::npos) {
    lines.pop_back();
  }
  HttpRequestToSign request;
  const std::string& request_line = lines.at(0);
  std::size_t first_space = request_line.find(' ');
  std::size_t last_space = request_line.rfind(' ');
  request.method = request_line.substr(0, first_space);
  std::string target = request_line.substr(first_space + 1, last_space - first_space - 1);
  std::size_t question = target.find('?');
  request.path = uri_decode(target.substr(0, question));
  if (question != std::string::npos) {
    std::string query = target.substr(question + 1);
    std::size_t start = 0;
    while (start <= query.size()) {
      std::size_t end = query.find('&', start);
      if (end == std::string::npos) end = query.size();
      std::string pair = query.substr(start, end - start);
      if (!pair.empty()) {
        std::size_t equals = pair.find('=');
        std::string key = pair.substr(0, equals);
        std::string value = equals == std::string::npos ? "" : pair.substr(equals + 1);
        request.query.emplace_back(uri_decode(key), uri_decode(value));
      }
      start = end + 1;
    }
  }
  std::size_t i = 1;
  for (; i < lines.size() && !lines[i].empty(); ++i) {
    const std::string& line = lines[i];
    if ((line[0] == ' ' || line[0] == '\t') && !request.headers.empty()) {
      request.headers.back().second += " " + line;
      continue;
    }
    std::size_t colon = line.find(':');
    request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  for (std::size_t body_line = i + 1; body_line < lines.size(); ++body_line) {
    if (body_line > i + 1) request.payload += "\n";
    request.payload += lines[body_line];
  }
  return request;
}

std::string strip_final_newline(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

struct SuiteCase {
  std::string name;
  fs::path dir;
};

std::vector<SuiteCase> suite_cases() {
  std::vector<SuiteCase> cases;
  for (const auto& entry : fs::recursive_directory_iterator(kSigv4Dir / "suite")) {
    if (entry.path().extension() == ".req") {
      cases.push_back({entry.path().stem().string(), entry.path().parent_path()});
    }
  }
  std::sort(cases.begin(), cases.end(),
            [](const SuiteCase& a, const SuiteCase& b) { return a.name < b.name; });
  return cases;
}

class AwsSigV4Suite : public ::testing::TestWithParam<SuiteCase> {};

TEST_P(AwsSigV4Suite, MatchesCanonicalRequestStringToSignAndAuthorization) {
  const SuiteCase& c = GetParam();
  const std::string kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  const SigningScope scope{"us-east-1", "service", *parse_amz_date("20150830T123600Z")};
  HttpRequestToSign request = parse_suite_request(read_text(c.dir / (c.name + ".req")));
  SigningIdentity identity{"AKIDEXAMPLE", kSecret, ""};
  if (c.name == "get-vanilla-with-session-token") {
    // The suite's signer is given this session token; the .req does not carry it.
    identity.session_token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
  }
  SignatureParts parts = sign_request(request, identity, scope);
  EXPECT_EQ(parts.canonical_request, strip_final_newline(read_text(c.dir / (c.name + ".creq"))));
  EXPECT_EQ(parts.string_to_sign, strip_final_newline(read_text(c.dir / (c.name + ".sts"))));
  EXPECT_EQ(parts.authorization, strip_final_newline(read_text(c.dir / (c.name + ".authz"))));
}

INSTANTIATE_TEST_SUITE_P(Official, AwsSigV4Suite, ::testing::ValuesIn(suite_cases()),
                         [](const ::testing::TestParamInfo<SuiteCase>& param_info) {
                           std::string name = param_info.param.name;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

TEST(AwsSigV4SuiteFiles, AllThirtyFourCasesAreFound) {
  EXPECT_EQ(suite_cases().size(), 34u);
}

TEST(AwsSigV4, SigningKeyMatchesAwsDocumentationExample) {
  // From AWS's "Examples of how to derive a signing key for Signature Version 4".
  Digest256 key = derive_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215",
                                     "us-east-1", "iam");
  EXPECT_EQ(to_hex(key), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(AwsSigV4, UriEncodingKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(uri_encode("aZ09-_.~"), "aZ09-_.~");
  EXPECT_EQ(uri_encode("a b+c=d/e@f%g*h'()!"), "a%20b%2Bc%3Dd%2Fe%40f%25g%2Ah%27%28%29%21");
  EXPECT_EQ(uri_encode("/a b/", true), "/a%20b/");
  EXPECT_EQ(uri_encode("\xc3\xa9"), "%C3%A9");
  EXPECT_EQ(uri_decode("%E1%88%B4x%2"), "\xe1\x88\xb4x%2");
}

TEST(AwsSigV4, PathNormalisation) {
  EXPECT_EQ(normalize_path(""), "/");
  EXPECT_EQ(normalize_path("/"), "/");
  EXPECT_EQ(normalize_path("//example//"), "/example/");
  EXPECT_EQ(normalize_path("/example1/example2/../.."), "/");
  EXPECT_EQ(normalize_path("/./example"), "/example");
  EXPECT_EQ(normalize_path("/a/b/../c/"), "/a/c/");
}

TEST(AwsSigV4, AmzDateRoundTrip) {
  auto time = parse_amz_date("20240229T235959Z");
  ASSERT_TRUE(time);
  EXPECT_EQ(format_amz_date(*time), "20240229T235959Z");
  EXPECT_EQ(format_amz_date(*time + 1s), "20240301T000000Z");
  EXPECT_FALSE(parse_amz_date("20230229T000000Z"));
  EXPECT_FALSE(parse_amz_date("2024-02-29T00:00"));
}

std::string optional_string(const nlohmann::json& value) {
  return value.is_null() ? std::string() : value.get<std::string>();
}

TEST(AwsSigV4, ResigningReplacesTheAuthorizationHeader) {
  HttpRequestToSign request;
  request.headers = {{"Host", "example.amazonaws.com"}};
  SigningScope scope{"us-east-1", "service", *parse_amz_date("20150830T123600Z")};
  SignatureParts first = sign_request(request, {"AKIDEXAMPLE", "secret", ""}, scope);
  SignatureParts second = sign_request(request, {"AKIDEXAMPLE", "secret", ""}, scope);
  EXPECT_EQ(first.authorization, second.authorization);
  EXPECT_EQ(std::count_if(request.headers.begin(), request.headers.end(),
                          [](const auto& h) { return h.first == "Authorization"; }),
            1);
  EXPECT_EQ(std::count_if(request.headers.begin(), request.headers.end(),
                          [](const auto& h) { return h.first == "X-Amz-Date"; }),
            1);
}

TEST(AwsSigV4, SecretsManagerRequestsMatchBotocore) {
  auto vectors = nlohmann::json::parse(read_text(kSigv4Dir / "secretsmanager_requests.json"));
  ASSERT_FALSE(vectors["cases"].empty());
  for (const auto& c : vectors["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    HttpRequestToSign request;
    request.method = c["method"];
    request.path = c["path"];
    request.payload = c["body"];
    request.headers = {{"X-Amz-Target", c["headers"]["X-Amz-Target"]},
                       {"Content-Type", c["headers"]["Content-Type"]},
                       {"Host", c["signed_header_values"]["host"]}};
    std::string key_id = c["access_key_id"], secret = c["secret_access_key"];
    std::string session_token = optional_string(c["session_token"]);
    std::string region = c["region"], service = c["service"];
    SignatureParts parts =
        sign_request(request, {key_id, secret, session_token},
                     {region, service, *parse_amz_date(c["timestamp"].get<std::string>())});
    EXPECT_EQ(parts.canonical_request, c["canonical_request"]);
    EXPECT_EQ(parts.string_to_sign, c["string_to_sign"]);
    EXPECT_EQ(parts.signature, c["signature"]);
    EXPECT_EQ(parts.authorization, c["headers"]["Authorization"]);
  }
}

}  // namespace
}  // namespace awrap::internal::aws
