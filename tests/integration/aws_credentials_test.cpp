// The credential providers, the HTTPS client and SigV4 against a real local HTTPS server
// (tests/support/aws_endpoint_server.py) that verifies signatures and tokens with botocore.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "awrap/errors.hpp"
#include "aws/credentials.hpp"
#include "aws/http_client.hpp"
#include "aws/rds_token.hpp"
#include "aws/sigv4.hpp"
#include "support/aws_endpoint_server.hpp"

namespace awrap::internal::aws {
namespace {

using awrap::internal::testing::AwsEndpointServer;
using Environment = std::map<std::string, std::string, std::less<>>;
using namespace std::chrono_literals;

class AwsEndpoints : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = AwsEndpointServer::start().release(); }
  static void TearDownTestSuite() {
    delete server_;  // NOLINT: owned for the suite's lifetime
    server_ = nullptr;
  }
  void SetUp() override { server_->reset_requests(); }

  // Isolated from the developer's AWS settings; TLS trusts only the test CA.
  Environment base_environment() const {
    return {{"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/awrap/credentials"},
            {"AWS_CONFIG_FILE", "/nonexistent/awrap/config"},
            {"HOME", "/nonexistent/awrap"},
            {"AWS_EC2_METADATA_DISABLED", "true"},
            {"AWS_CA_BUNDLE", server_->ca_bundle()}};
  }
  static CredentialsChainOptions options_for(Environment env) {
    CredentialsChainOptions options;
    options.environment = fixed_environment(std::move(env));
    options.http_timeout = 5s;
    options.imds_timeout = 5s;
    return options;
  }
  std::string write_file(const std::string& name, const std::string& text) const {
    auto path = server_->directory() / name;
    std::ofstream(path) << text;
    return path.string();
  }
  // Signs and sends an STS GetCallerIdentity; the server checks the signature with botocore.
  HttpResponse get_caller_identity(const Credentials& credentials) const {
    HttpRequestToSign request;
    request.method = "POST";
    request.path = "/";
    request.headers = {{"Host", "127.0.0.1:" + std::to_string(server_->port())},
                       {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    request.payload = "Action=GetCallerIdentity&Version=2011-06-15";
    sign_request(
        request,
        {credentials.access_key_id, credentials.secret_access_key, credentials.session_token},
        {"us-east-1", "sts", std::chrono::system_clock::now()});
    HttpRequest http;
    http.method = "POST";
    http.url = server_->url("/");
    http.headers = request.headers;
    http.body = request.payload;
    return CurlHttpClient({server_->ca_bundle()}).send(http);
  }

  static AwsEndpointServer* server_;
};

AwsEndpointServer* AwsEndpoints::server_ = nullptr;

TEST_F(AwsEndpoints, WebIdentityCredentialsFromStsSignRequestsBotocoreAccepts) {
  Environment env = base_environment();
  env["AWS_WEB_IDENTITY_TOKEN_FILE"] =
      write_file("web-identity-token", "test-web-identity-token\n");
  env["AWS_ROLE_ARN"] = "arn:aws:iam::000000000000:role/awrap-test";
  env["AWS_ENDPOINT_URL_STS"] = server_->url("/");
  auto chain = make_default_credentials_chain(options_for(env));
  Credentials credentials = chain->credentials();
  EXPECT_EQ(chain->source(), "web identity");
  EXPECT_EQ(credentials.access_key_id, "ASIAWEBIDENTITYTEST");
  EXPECT_EQ(credentials.secret_access_key, "web/identity+secret");
  EXPECT_EQ(credentials.session_token, "web-identity-session-token");
  ASSERT_TRUE(credentials.expiration);

  HttpResponse identity = get_caller_identity(credentials);
  EXPECT_EQ(identity.status, 200) << identity.body;
  auto log = server_->requests();
  ASSERT_EQ(log.size(), 2u) << log.dump();
  EXPECT_EQ(log[0]["operation"], "AssumeRoleWithWebIdentity");
  EXPECT_EQ(log[1]["operation"], "GetCallerIdentity");
  EXPECT_EQ(log[1]["signature_valid"], true) << log.dump();

  // An RDS token signed with these temporary credentials is what botocore makes.
  std::string token =
      generate_rds_auth_token("mydb.c1abc.us-east-1.rds.amazonaws.com", 5432, "iam_user",
                              "us-east-1", credentials, std::chrono::system_clock::now());
  auto verdict = server_->verify_rds_token(token);
  EXPECT_EQ(verdict["valid"], true) << verdict.dump();
}

TEST_F(AwsEndpoints, TamperedSignatureIsRefusedByTheServer) {
  Credentials credentials{"ASIAWEBIDENTITYTEST", "not-the-secret", "web-identity-session-token",
                          std::nullopt};
  HttpResponse identity = get_caller_identity(credentials);
  EXPECT_EQ(identity.status, 403);
  auto log = server_->requests();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["signature_valid"], false);
  EXPECT_EQ(log[0]["signature_reason"], "signature mismatch");
}

TEST_F(AwsEndpoints, WrongWebIdentityTokenIsAnAuthErrorWithoutSecrets) {
  Environment env = base_environment();
  env["AWS_WEB_IDENTITY_TOKEN_FILE"] = write_file("bad-token", "forged-web-identity-token");
  env["AWS_ROLE_ARN"] = "arn:aws:iam::000000000000:role/awrap-test";
  env["AWS_ENDPOINT_URL_STS"] = server_->url("/");
  try {
    make_default_credentials_chain(options_for(env))->credentials();
    FAIL() << "expected AuthError";
  } catch (const AuthError& error) {
    std::string message = error.what();
    EXPECT_NE(message.find("HTTP 400 (InvalidIdentityToken)"), std::string::npos) << message;
    EXPECT_EQ(message.find("forged-web-identity-token"), std::string::npos) << message;
  }
}

TEST_F(AwsEndpoints, ImdsV2TokenThenCredentials) {
  Environment env = base_environment();
  env.erase("AWS_EC2_METADATA_DISABLED");
  env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = server_->url("");
  auto chain = make_default_credentials_chain(options_for(env));
  Credentials credentials = chain->credentials();
  EXPECT_EQ(chain->source(), "EC2 instance metadata");
  EXPECT_EQ(credentials.access_key_id, "ASIAIMDSTEST");
  EXPECT_EQ(credentials.session_token, "imds-session-credentials-token");
  auto log = server_->requests();
  ASSERT_EQ(log.size(), 3u) << log.dump();
  EXPECT_EQ(log[0]["method"], "PUT");
  EXPECT_EQ(log[0]["path"], "/latest/api/token");
  EXPECT_EQ(log[1]["path"], "/latest/meta-data/iam/security-credentials/");
  EXPECT_EQ(log[2]["path"], "/latest/meta-data/iam/security-credentials/awrap-instance-role");
  EXPECT_EQ(get_caller_identity(credentials).status, 200);
}

TEST_F(AwsEndpoints, ContainerCredentialsWithAuthorizationToken) {
  Environment env = base_environment();
  env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = server_->url("/container/credentials");
  env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "test-container-authorization";
  auto chain = make_default_credentials_chain(options_for(env));
  EXPECT_EQ(chain->credentials().access_key_id, "ASIACONTAINERTEST");
  EXPECT_EQ(chain->source(), "container");

  env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "wrong-container-authorization";
  try {
    make_default_credentials_chain(options_for(env))->credentials();
    FAIL();
  } catch (const AuthError& error) {
    EXPECT_NE(std::string(error.what()).find("HTTP 401"), std::string::npos) << error.what();
    EXPECT_EQ(std::string(error.what()).find("wrong-container-authorization"), std::string::npos);
  }
}

TEST_F(AwsEndpoints, CertificateVerificationIsOn) {
  Environment env = base_environment();
  env.erase("AWS_CA_BUNDLE");  // the system CAs do not know the test CA
  env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = server_->url("/container/credentials");
  env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "test-container-authorization";
  try {
    make_default_credentials_chain(options_for(env))->credentials();
    FAIL() << "an unverified certificate was accepted";
  } catch (const AuthError& error) {
    EXPECT_NE(std::string(error.what()).find("certificate"), std::string::npos) << error.what();
  }
  EXPECT_TRUE(server_->requests().empty());  // nothing got past the handshake
}

TEST_F(AwsEndpoints, EveryRequestHasATimeout) {
  server_->configure({{"delays", {{"/container/slow", 5}}}});
  Environment env = base_environment();
  env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = server_->url("/container/slow");
  auto options = options_for(env);
  options.http_timeout = 500ms;
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(make_default_credentials_chain(options)->credentials(), AuthError);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  server_->configure({{"delays", nlohmann::json::object()}});
}

TEST_F(AwsEndpoints, SecretsManagerGetSecretValueIsVerifiedAndServed) {
  server_->configure(
      {{"secrets", {{"prod/awrap/postgres", R"({"username":"app","password":"pw"})"}}}});
  auto send = [&](const std::string& secret_id, const Credentials& credentials) {
    HttpRequestToSign request;
    request.method = "POST";
    request.headers = {{"X-Amz-Target", "secretsmanager.GetSecretValue"},
                       {"Content-Type", "application/x-amz-json-1.1"},
                       {"Host", "127.0.0.1:" + std::to_string(server_->port())}};
    request.payload = R"({"SecretId": ")" + secret_id + "\"}";
    sign_request(
        request,
        {credentials.access_key_id, credentials.secret_access_key, credentials.session_token},
        {"us-east-1", "secretsmanager", std::chrono::system_clock::now()});
    HttpRequest http{.method = "POST",
                     .url = server_->url("/"),
                     .headers = request.headers,
                     .body = request.payload};
    return CurlHttpClient({server_->ca_bundle()}).send(http);
  };
  Credentials good{"ASIACONTAINERTEST", "container/secret+key", "container-session-token",
                   std::nullopt};
  HttpResponse found = send("prod/awrap/postgres", good);
  EXPECT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(nlohmann::json::parse(found.body)["SecretString"],
            R"({"username":"app","password":"pw"})");
  EXPECT_EQ(send("missing", good).status, 400);
  Credentials bad = good;
  bad.session_token = "other";
  HttpResponse refused = send("prod/awrap/postgres", bad);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("InvalidSignatureException"), std::string::npos);
}

}  // namespace
}  // namespace awrap::internal::aws
