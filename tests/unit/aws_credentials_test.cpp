// The credential chain: environment, shared files, providers that call endpoints (through a fake
// HTTP client here; the real HTTPS exchange is in tests/integration/aws_credentials_test.cpp),
// caching with expiry, and what errors say.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>

#include "awrap/errors.hpp"
#include "awrap/log.hpp"
#include "aws/credential_sources.hpp"
#include "aws/credentials.hpp"
#include "aws/shared_config.hpp"
#include "support/aws_fake_clock.hpp"

namespace awrap::internal::aws {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kSessionToken = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN+/=abc";

// Answers by URL; records what it was asked.
class FakeHttp final : public HttpClient {
 public:
  struct Route {
    long status;
    std::string body;
  };
  std::map<std::string, Route> routes;  // "METHOD url"
  mutable std::vector<HttpRequest> requests;
  mutable std::mutex mutex;

  HttpResponse send(const HttpRequest& request) const override {
    std::lock_guard lock(mutex);
    requests.push_back(request);
    auto it = routes.find(request.method + " " + request.url);
    if (it == routes.end()) throw HttpTransportError(request.method + " refused");
    return {it->second.status, it->second.body};
  }
};

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("awrap-aws-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    fs::path file = path_ / name;
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file.string();
  }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

CredentialsChainOptions options_with(
    std::map<std::string, std::string, std::less<>> env,
    std::shared_ptr<FakeHttp> http = std::make_shared<FakeHttp>()) {
  CredentialsChainOptions options;
  // Never read the developer's files: point everything at nonexistent paths unless set.
  env.try_emplace("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/awrap/credentials");
  env.try_emplace("AWS_CONFIG_FILE", "/nonexistent/awrap/config");
  env.try_emplace("HOME", "/nonexistent/awrap");
  env.try_emplace("AWS_EC2_METADATA_DISABLED", "true");
  options.environment = fixed_environment(std::move(env));
  options.http = std::move(http);
  options.clock = std::make_shared<awrap::internal::testing::FakeAwsClock>();
  return options;
}

TEST(AwsSharedConfig, ParsesProfilesCommentsAndNestedBlocks) {
  SharedConfigFiles files = SharedConfigFiles::from_text(
      "# comment\n[default]\naws_access_key_id = AKID1\n; another\naws_secret_access_key=S1\n"
      "[dev]\r\naws_access_key_id=AKID2\r\n",
      "[default]\nregion = us-east-1\n[profile dev]\nregion=eu-west-1\ns3 =\n  region = bad\n"
      "[sso-session x]\nregion=ap-south-1\n");
  ASSERT_NE(files.credentials_profile("default"), nullptr);
  EXPECT_EQ(files.credentials_profile("default")->at("aws_secret_access_key"), "S1");
  EXPECT_EQ(files.credentials_profile("dev")->at("aws_access_key_id"), "AKID2");
  EXPECT_EQ(files.config_profile("dev")->at("region"), "eu-west-1");
  EXPECT_EQ(files.config_profile("default")->at("region"), "us-east-1");
  EXPECT_EQ(files.config_profile("x"), nullptr);
  EXPECT_EQ(files.setting("dev", "region"), "eu-west-1");
}

TEST(AwsSharedConfig, ProfileSelection) {
  EXPECT_EQ(selected_profile("explicit", fixed_environment({{"AWS_PROFILE", "env"}})), "explicit");
  EXPECT_EQ(selected_profile("", fixed_environment({{"AWS_PROFILE", "env"}})), "env");
  EXPECT_EQ(selected_profile("", fixed_environment({})), "default");
}

TEST(AwsCredentials, EnvironmentComesFirst) {
  TempDir dir;
  auto options = options_with(
      {{"AWS_ACCESS_KEY_ID", "AKIDENV"},
       {"AWS_SECRET_ACCESS_KEY", std::string(kSecret)},
       {"AWS_SESSION_TOKEN", std::string(kSessionToken)},
       {"AWS_SHARED_CREDENTIALS_FILE",
        dir.write("credentials",
                  "[default]\naws_access_key_id=AKIDFILE\naws_secret_access_key=x\n")}});
  auto chain = make_default_credentials_chain(options);
  Credentials credentials = chain->credentials();
  EXPECT_EQ(credentials.access_key_id, "AKIDENV");
  EXPECT_EQ(credentials.secret_access_key, kSecret);
  EXPECT_EQ(credentials.session_token, kSessionToken);
  EXPECT_EQ(chain->source(), "environment");
}

TEST(AwsCredentials, SharedFilesHonourExplicitProfileThenAwsProfile) {
  TempDir dir;
  std::string credentials_file = dir.write(
      "credentials",
      "[default]\naws_access_key_id=AKIDDEFAULT\naws_secret_access_key=s0\n"
      "# [ghost]\n[envprofile]\naws_access_key_id=AKIDENVPROFILE\naws_secret_access_key=s1\n");
  std::string config_file =
      dir.write("config",
                "[profile explicit]\naws_access_key_id = AKIDEXPLICIT\naws_secret_access_key = s2\n"
                "aws_session_token = tok2\n");
  auto env = std::map<std::string, std::string, std::less<>>{
      {"AWS_SHARED_CREDENTIALS_FILE", credentials_file}, {"AWS_CONFIG_FILE", config_file}};

  EXPECT_EQ(make_default_credentials_chain(options_with(env))->credentials().access_key_id,
            "AKIDDEFAULT");
  env["AWS_PROFILE"] = "envprofile";
  EXPECT_EQ(make_default_credentials_chain(options_with(env))->credentials().access_key_id,
            "AKIDENVPROFILE");
  auto options = options_with(env);
  options.profile = "explicit";
  Credentials credentials = make_default_credentials_chain(options)->credentials();
  EXPECT_EQ(credentials.access_key_id, "AKIDEXPLICIT");
  EXPECT_EQ(credentials.session_token, "tok2");
}

TEST(AwsCredentials, HomeDirectoryFilesAreTheDefault) {
  TempDir dir;
  dir.write(".aws/credentials", "[default]\naws_access_key_id=AKIDHOME\naws_secret_access_key=s\n");
  auto options = options_with({{"HOME", dir.path().string()},
                               {"AWS_SHARED_CREDENTIALS_FILE", ""},
                               {"AWS_CONFIG_FILE", ""}});
  EXPECT_EQ(make_default_credentials_chain(options)->credentials().access_key_id, "AKIDHOME");
}

TEST(AwsCredentials, NothingFoundListsEverySourceTried) {
  auto chain = make_default_credentials_chain(options_with({}));
  try {
    chain->credentials();
    FAIL() << "expected AuthError";
  } catch (const AuthError& error) {
    std::string message = error.what();
    for (const char* source :
         {"environment", "shared files", "web identity", "container", "EC2 instance metadata",
          "AWS_EC2_METADATA_DISABLED", "/nonexistent/awrap/credentials"}) {
      EXPECT_NE(message.find(source), std::string::npos) << source << " missing in: " << message;
    }
  }
}

TEST(AwsCredentials, IncompleteEnvironmentIsAnErrorWithoutTheSecret) {
  auto chain = make_default_credentials_chain(
      options_with({{"AWS_SECRET_ACCESS_KEY", std::string(kSecret)}}));
  try {
    chain->credentials();
    FAIL();
  } catch (const AuthError& error) {
    EXPECT_NE(std::string(error.what()).find("AWS_ACCESS_KEY_ID"), std::string::npos);
    EXPECT_EQ(std::string(error.what()).find(kSecret), std::string::npos);
  }
}

std::string sts_success_body(std::string_view expiration) {
  return "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
         "<AccessKeyId>ASIAWEBIDENTITY</AccessKeyId><SecretAccessKey>" +
         std::string(kSecret) + "</SecretAccessKey><SessionToken>" + std::string(kSessionToken) +
         "&amp;x</SessionToken><Expiration>" + std::string(expiration) +
         "</Expiration></Credentials></AssumeRoleWithWebIdentityResult>"
         "</AssumeRoleWithWebIdentityResponse>";
}

TEST(AwsCredentials, WebIdentityCallsStsAndCachesUntilNearExpiry) {
  TempDir dir;
  auto http = std::make_shared<FakeHttp>();
  http->routes["POST https://sts.test/"] = {200, sts_success_body("2024-01-15T01:00:00Z")};
  auto options = options_with({{"AWS_WEB_IDENTITY_TOKEN_FILE", dir.write("token", "jwt-abc\n")},
                               {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/app"},
                               {"AWS_ROLE_SESSION_NAME", "sess"},
                               {"AWS_ENDPOINT_URL_STS", "https://sts.test/"}},
                              http);
  auto clock =
      std::static_pointer_cast<const awrap::internal::testing::FakeAwsClock>(options.clock);
  auto chain = make_default_credentials_chain(options);
  Credentials credentials = chain->credentials();
  EXPECT_EQ(credentials.access_key_id, "ASIAWEBIDENTITY");
  EXPECT_EQ(credentials.session_token, std::string(kSessionToken) + "&x");
  ASSERT_TRUE(credentials.expiration);
  ASSERT_EQ(http->requests.size(), 1u);
  EXPECT_EQ(http->requests[0].body,
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A"
            "123456789012%3Arole%2Fapp&RoleSessionName=sess&WebIdentityToken=jwt-abc");
  EXPECT_GT(http->requests[0].timeout.count(), 0);

  chain->credentials();  // cached: clock at 00:00, expiry 01:00
  EXPECT_EQ(http->requests.size(), 1u);
  const_cast<awrap::internal::testing::FakeAwsClock&>(*clock).advance(54min);
  chain->credentials();  // 6 minutes left > 5 minute margin
  EXPECT_EQ(http->requests.size(), 1u);
  const_cast<awrap::internal::testing::FakeAwsClock&>(*clock).advance(2min);
  chain->credentials();  // 4 minutes left: refresh
  EXPECT_EQ(http->requests.size(), 2u);
}

TEST(AwsCredentials, ContainerFullUriWithAuthorizationToken) {
  auto http = std::make_shared<FakeHttp>();
  http->routes["GET http://127.0.0.1:9/creds"] = {
      200, R"({"AccessKeyId":"ASIACONTAINER","SecretAccessKey":"s","Token":"t",)"
           R"("Expiration":"2024-01-15T06:00:00.000Z"})"};
  auto options = options_with({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/creds"},
                               {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer abc"}},
                              http);
  Credentials credentials = make_default_credentials_chain(options)->credentials();
  EXPECT_EQ(credentials.access_key_id, "ASIACONTAINER");
  ASSERT_EQ(http->requests.size(), 1u);
  auto& headers = http->requests[0].headers;
  EXPECT_NE(std::find(headers.begin(), headers.end(),
                      std::pair<std::string, std::string>{"Authorization", "Bearer abc"}),
            headers.end());
}

TEST(AwsCredentials, ContainerRelativeUriGoesToTheEcsAgentWithTokenFromFile) {
  TempDir dir;
  auto http = std::make_shared<FakeHttp>();
  http->routes["GET http://169.254.170.2/v2/credentials/abc"] = {
      200, R"({"AccessKeyId":"ASIAECS","SecretAccessKey":"s","Token":"t",)"
           R"("Expiration":"2024-01-15T06:00:00Z"})"};
  auto options = options_with(
      {{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"},
       {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", dir.write("pod-token", "file-token\n")},
       {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "ignored-when-file-set"}},
      http);
  EXPECT_EQ(make_default_credentials_chain(options)->credentials().access_key_id, "ASIAECS");
  ASSERT_EQ(http->requests.size(), 1u);
  EXPECT_EQ(http->requests[0].headers.at(0),
            (std::pair<std::string, std::string>{"Authorization", "file-token"}));
}

TEST(AwsCredentials, WebIdentityFromProfileSettings) {
  TempDir dir;
  auto http = std::make_shared<FakeHttp>();
  http->routes["POST https://sts.eu-west-1.amazonaws.com/"] = {
      200, sts_success_body("2024-01-15T01:00:00Z")};
  std::string token_file = dir.write("jwt", "jwt-from-profile");
  auto options =
      options_with({{"AWS_CONFIG_FILE",
                     dir.write("config", "[profile eks]\nweb_identity_token_file = " + token_file +
                                             "\nrole_arn = arn:aws:iam::1:role/r\n")},
                    {"AWS_PROFILE", "eks"},
                    {"AWS_REGION", "eu-west-1"}},
                   http);
  EXPECT_EQ(make_default_credentials_chain(options)->credentials().access_key_id,
            "ASIAWEBIDENTITY");
  ASSERT_EQ(http->requests.size(), 1u);
  EXPECT_NE(http->requests[0].body.find("WebIdentityToken=jwt-from-profile"), std::string::npos);
}

TEST(AwsCredentials, ContainerPlainHttpToARemoteHostIsRefused) {
  auto options =
      options_with({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://evil.example.com/creds"}});
  EXPECT_THROW(make_default_credentials_chain(options)->credentials(), AuthError);
}

TEST(AwsCredentials, ImdsV2TokenThenRoleThenCredentials) {
  auto http = std::make_shared<FakeHttp>();
  http->routes["PUT http://127.0.0.1:9/latest/api/token"] = {200, "imds-session"};
  http->routes["GET http://127.0.0.1:9/latest/meta-data/iam/security-credentials/"] = {200,
                                                                                       "role-a\n"};
  http->routes["GET http://127.0.0.1:9/latest/meta-data/iam/security-credentials/role-a"] = {
      200, R"({"Code":"Success","AccessKeyId":"ASIAIMDS","SecretAccessKey":"s","Token":"t",)"
           R"("Expiration":"2024-01-15T06:00:00Z"})"};
  auto options = options_with({{"AWS_EC2_METADATA_DISABLED", ""},
                               {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9/"}},
                              http);
  EXPECT_EQ(make_default_credentials_chain(options)->credentials().access_key_id, "ASIAIMDS");
  ASSERT_EQ(http->requests.size(), 3u);
  EXPECT_EQ(http->requests[0].method, "PUT");
  EXPECT_EQ(http->requests[1].headers.at(0).first, "X-aws-ec2-metadata-token");
  EXPECT_EQ(http->requests[1].headers.at(0).second, "imds-session");
}

TEST(AwsCredentials, UnreachableImdsIsSkippedNotFatal) {
  auto options = options_with({{"AWS_EC2_METADATA_DISABLED", ""},
                               {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9"}});
  try {
    make_default_credentials_chain(options)->credentials();
    FAIL();
  } catch (const AuthError& error) {
    EXPECT_NE(std::string(error.what()).find("no AWS credentials found"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("no instance metadata service"), std::string::npos);
  }
}

// Failed providers must not echo secrets: neither from their inputs nor from what an endpoint
// sent back. Logs are captured at the most verbose level as well.
TEST(AwsCredentials, FailuresNeverCarrySecretsInErrorsOrLogs) {
  std::vector<std::string> logged;
  std::mutex log_mutex;
  awrap::set_log_level(awrap::LogLevel::kTrace);
  awrap::set_log_sink([&](awrap::LogLevel, std::string_view message) {
    std::lock_guard lock(log_mutex);
    logged.emplace_back(message);
  });
  TempDir dir;
  const std::string token_signature =
      "646da0a6012c6a9735a5e683a74f648c8f9e53c28cfa0da709928e27f0b1002b";
  auto echoing = std::make_shared<FakeHttp>();
  // Endpoints that answer badly while echoing secret material.
  std::string echo =
      std::string(kSecret) + " " + std::string(kSessionToken) + " " + token_signature;
  echoing->routes["POST https://sts.test/"] = {403,
                                               "<ErrorResponse><Error><Code>AccessDenied</Code>"
                                               "<Message>" +
                                                   echo + "</Message></Error></ErrorResponse>"};
  echoing->routes["GET https://container.test/"] = {
      200, R"({"SecretAccessKey":")" + std::string(kSecret) + R"(","Token":")" +
               std::string(kSessionToken) + R"(","Expiration":")" + token_signature + "\"}"};
  echoing->routes["GET https://container.test/bad-expiry"] = {
      200, R"({"AccessKeyId":"A","SecretAccessKey":")" + std::string(kSecret) + R"(","Token":")" +
               std::string(kSessionToken) + R"(","Expiration":")" + token_signature + "\"}"};
  echoing->routes["GET https://container.test/500"] = {500, echo};

  std::vector<std::map<std::string, std::string, std::less<>>> scenarios = {
      {{"AWS_SECRET_ACCESS_KEY", std::string(kSecret)},
       {"AWS_SESSION_TOKEN", std::string(kSessionToken)}},
      {{"AWS_WEB_IDENTITY_TOKEN_FILE", dir.write("jwt", std::string(kSessionToken))},
       {"AWS_ROLE_ARN", "arn:aws:iam::1:role/r"},
       {"AWS_ENDPOINT_URL_STS", "https://sts.test/"}},
      {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "https://container.test/"},
       {"AWS_CONTAINER_AUTHORIZATION_TOKEN", std::string(kSessionToken)}},
      {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "https://container.test/bad-expiry"}},
      {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "https://container.test/500"}},
      {{"AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "https://unrouted.test/?X-Amz-Signature=" + token_signature}},
  };
  int failures = 0;
  for (const auto& env : scenarios) {
    try {
      make_default_credentials_chain(options_with(env, echoing))->credentials();
    } catch (const AuthError& error) {
      ++failures;
      std::string message = error.what();
      SCOPED_TRACE(message);
      EXPECT_EQ(message.find(kSecret), std::string::npos);
      EXPECT_EQ(message.find(kSessionToken), std::string::npos);
      EXPECT_EQ(message.find(token_signature), std::string::npos);
    }
  }
  EXPECT_EQ(failures, static_cast<int>(scenarios.size()));
  awrap::set_log_sink(nullptr);
  awrap::set_log_level(awrap::LogLevel::kWarning);
  for (const std::string& line : logged) {
    EXPECT_EQ(line.find(kSecret), std::string::npos) << line;
    EXPECT_EQ(line.find(kSessionToken), std::string::npos) << line;
    EXPECT_EQ(line.find(token_signature), std::string::npos) << line;
  }
}

TEST(AwsCredentials, Iso8601Parsing) {
  auto t = parse_iso8601_utc("2024-02-29T23:59:59Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(parse_iso8601_utc("2024-02-29T23:59:59.123Z"), t);
  EXPECT_EQ(parse_iso8601_utc("2024-02-29T23:59:59+00:00"), t);
  EXPECT_FALSE(parse_iso8601_utc("2024-02-29T23:59:59+02:00"));
  EXPECT_FALSE(parse_iso8601_utc("yesterday"));
}

}  // namespace
}  // namespace awrap::internal::aws

namespace awrap::internal::aws {
namespace {

TEST(AwsCredentials, EndpointErrorCodesAreCutToAShortWord) {
  EXPECT_EQ(error_code_for_messages("AccessDenied"), "AccessDenied");
  EXPECT_EQ(error_code_for_messages(""), "no error code");
  EXPECT_EQ(error_code_for_messages("a b/c+d="), "abcd");
  EXPECT_EQ(error_code_for_messages(std::string(100, 'x')).size(), 64u);
}

}  // namespace
}  // namespace awrap::internal::aws
