// Secrets Manager: ARN regions, endpoints per partition, location rules, response parsing, error
// mapping and retries of the client (fake HTTP), the secret cache (fake clock) and the
// aws_secrets_manager plugin's logic (credentials, rotation, no secret in logs or errors).
#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "awrap/errors.hpp"
#include "awrap/log.hpp"
#include "awrap/properties.hpp"
#include "aws/secrets_manager.hpp"
#include "plugin/aws_secrets_manager/secret_cache.hpp"
#include "plugin/aws_secrets_manager/secrets_manager_authenticator.hpp"
#include "plugin/aws_secrets_manager/secrets_manager_properties.hpp"
#include "support/aws_fake_clock.hpp"
#include "support/eventually.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;
using aws::HttpRequest;
using aws::HttpResponse;
using plugin::secrets_manager::CachedSecret;
using plugin::secrets_manager::credentials_from_secret;
using plugin::secrets_manager::SecretCache;
using plugin::secrets_manager::SecretCacheKey;
using plugin::secrets_manager::SecretsManagerAuthenticator;
using plugin::secrets_manager::SecretsManagerConfig;
using plugin::secrets_manager::SecretSource;
using testing::FakeAwsClock;

// A password no masking rule would catch on its own: the tests prove it is never formatted.
constexpr const char* kPassword = "Zq7-rotating-Vx9";
constexpr const char* kNewPassword = "Mn4-rotated-Kp2";

std::string secret_json(std::string user, std::string password) {
  return nlohmann::json{{"username", user}, {"password", password}, {"engine", "postgres"}}.dump();
}

// ---------------------------------------------------------------------------------------------
// Region, endpoint, location

TEST(SecretsManagerLocation, RegionFromSecretArn) {
  EXPECT_EQ(aws::region_from_secret_arn(
                "arn:aws:secretsmanager:eu-west-2:123456789012:secret:prod/db-AbCdEf"),
            "eu-west-2");
  EXPECT_EQ(aws::region_from_secret_arn(
                "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:db-AbCdEf"),
            "cn-north-1");
  EXPECT_EQ(aws::region_from_secret_arn(
                "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:a:b"),
            "us-gov-west-1");
  EXPECT_EQ(aws::region_from_secret_arn("prod/db"), std::nullopt);
  EXPECT_EQ(aws::region_from_secret_arn("arn:aws:ssm:us-east-1:123456789012:parameter/x"),
            std::nullopt);
  EXPECT_EQ(aws::region_from_secret_arn("arn:aws:secretsmanager:us-east-1:123456789012:secret:"),
            std::nullopt);
  EXPECT_EQ(aws::region_from_secret_arn("arn:aws:secretsmanager:nowhere:1:secret:x"), std::nullopt);
  EXPECT_EQ(aws::region_from_secret_arn("arn:aws:secretsmanager"), std::nullopt);
}

TEST(SecretsManagerLocation, EndpointPerPartition) {
  EXPECT_EQ(aws::secrets_manager_endpoint("us-east-1"),
            "https://secretsmanager.us-east-1.amazonaws.com");
  EXPECT_EQ(aws::secrets_manager_endpoint("us-gov-west-1"),
            "https://secretsmanager.us-gov-west-1.amazonaws.com");
  EXPECT_EQ(aws::secrets_manager_endpoint("cn-northwest-1"),
            "https://secretsmanager.cn-northwest-1.amazonaws.com.cn");
  EXPECT_EQ(aws::secrets_manager_endpoint("us-iso-east-1"),
            "https://secretsmanager.us-iso-east-1.c2s.ic.gov");
  EXPECT_EQ(aws::secrets_manager_endpoint("us-isob-east-1"),
            "https://secretsmanager.us-isob-east-1.sc2s.sgov.gov");
}

aws::SecretLocationSources sources(std::map<std::string, std::string, std::less<>> env = {}) {
  env.emplace("AWS_CONFIG_FILE", "/nonexistent/awrap/config");
  env.emplace("HOME", "/nonexistent/awrap");
  aws::SecretLocationSources s;
  s.secret_id = "prod/db";
  s.environment = aws::fixed_environment(std::move(env));
  return s;
}

TEST(SecretsManagerLocation, RegionOrderPropertyThenArnThenHostThenEnvironment) {
  auto s = sources({{"AWS_REGION", "ap-south-1"}});
  s.secret_id = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:prod/db-AbCdEf";
  s.database_host = "db.c1abc.us-west-2.rds.amazonaws.com";
  s.explicit_region = "eu-central-1";
  EXPECT_EQ(aws::resolve_secret_location(s).region, "eu-central-1");
  s.explicit_region.clear();
  EXPECT_EQ(aws::resolve_secret_location(s).region, "eu-west-2");
  s.secret_id = "prod/db";
  EXPECT_EQ(aws::resolve_secret_location(s).region, "us-west-2");
  s.database_host = "127.0.0.1";
  auto location = aws::resolve_secret_location(s);
  EXPECT_EQ(location.region, "ap-south-1");
  EXPECT_EQ(location.endpoint, "https://secretsmanager.ap-south-1.amazonaws.com");
}

TEST(SecretsManagerLocation, NoRegionOrABadOneIsAConfigErrorNamingTheProperty) {
  auto s = sources();
  try {
    aws::resolve_secret_location(s);
    FAIL();
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.property(), "secrets_manager_region");
  }
  s.explicit_region = "useast1";
  EXPECT_THROW(aws::resolve_secret_location(s), ConfigError);
}

TEST(SecretsManagerLocation, EndpointFromPropertyOrEnvironmentMustBeHttps) {
  auto s = sources({{"AWS_REGION", "us-east-1"},
                    {"AWS_ENDPOINT_URL", "https://generic.example"},
                    {"AWS_ENDPOINT_URL_SECRETS_MANAGER", "https://vpce-1.example:8443/"}});
  EXPECT_EQ(aws::resolve_secret_location(s).endpoint, "https://vpce-1.example:8443/");
  s.explicit_endpoint = "https://127.0.0.1:4443";
  EXPECT_EQ(aws::resolve_secret_location(s).endpoint, "https://127.0.0.1:4443");
  s.explicit_endpoint = "http://127.0.0.1:4443";
  try {
    aws::resolve_secret_location(s);
    FAIL();
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.property(), "secrets_manager_endpoint");
  }
  auto generic = sources({{"AWS_REGION", "us-east-1"}, {"AWS_ENDPOINT_URL", "https://g.example"}});
  EXPECT_EQ(aws::resolve_secret_location(generic).endpoint, "https://g.example");
}

// ---------------------------------------------------------------------------------------------
// Response and secret parsing

TEST(SecretsManagerParsing, SecretStringAndErrorCodes) {
  EXPECT_EQ(aws::secret_string_from_response(R"({"Name":"x","SecretString":"{\"a\":1}"})", "x"),
            R"({"a":1})");
  EXPECT_THROW(aws::secret_string_from_response(R"({"SecretBinary":"AAEC"})", "x"), AuthError);
  EXPECT_THROW(aws::secret_string_from_response("<html>", "x"), AuthError);
  EXPECT_THROW(aws::secret_string_from_response(R"({"Name":"x"})", "x"), AuthError);
  EXPECT_EQ(aws::json_error_code(R"({"__type":"ResourceNotFoundException","Message":"m"})"),
            "ResourceNotFoundException");
  EXPECT_EQ(
      aws::json_error_code(R"({"__type":"com.amazonaws.secretsmanager#AccessDeniedException"})"),
      "AccessDeniedException");
  EXPECT_EQ(aws::json_error_code(R"({"code":"ThrottlingException"})"), "ThrottlingException");
  EXPECT_EQ(aws::json_error_code("not json"), "");
}

TEST(SecretsManagerParsing, CredentialsFromSecretWithDefaultAndCustomKeys) {
  auto credentials =
      credentials_from_secret(secret_json("app", kPassword), "prod/db", "username", "password");
  EXPECT_EQ(credentials.username, "app");
  EXPECT_EQ(credentials.password, kPassword);
  auto custom = credentials_from_secret(R"({"db_user":"u2","db_pass":"p2"})", "prod/db", "db_user",
                                        "db_pass");
  EXPECT_EQ(custom.username, "u2");
  EXPECT_EQ(custom.password, "p2");
}

TEST(SecretsManagerParsing, MalformedSecretsNameTheKeyNeverTheValue) {
  auto message_of = [](std::string secret, std::string user_key = "username") {
    try {
      credentials_from_secret(secret, "prod/db", user_key, "password");
    } catch (const AuthError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  std::string missing_password = message_of(R"({"username":"app","pass":"Zq7-rotating-Vx9"})");
  EXPECT_NE(missing_password.find("'password'"), std::string::npos) << missing_password;
  EXPECT_NE(missing_password.find("prod/db"), std::string::npos) << missing_password;
  EXPECT_EQ(missing_password.find(kPassword), std::string::npos) << missing_password;
  std::string missing_user = message_of(secret_json("app", kPassword), "login");
  EXPECT_NE(missing_user.find("'login'"), std::string::npos) << missing_user;
  EXPECT_NE(missing_user.find("secrets_manager_secret_username_key"), std::string::npos);
  std::string not_json = message_of(std::string("user=app ") + kPassword);
  EXPECT_NE(not_json.find("not a JSON object"), std::string::npos) << not_json;
  EXPECT_EQ(not_json.find(kPassword), std::string::npos) << not_json;
  std::string number = message_of(R"({"username":"app","password":12345678})");
  EXPECT_NE(number.find("not a string"), std::string::npos) << number;
  EXPECT_EQ(number.find("12345678"), std::string::npos) << number;
}

// ---------------------------------------------------------------------------------------------
// The client: request shape, error mapping, retries

class ScriptedHttp final : public aws::HttpClient {
 public:
  // Each entry: a response, or an empty optional for a transport error.
  mutable std::deque<std::optional<HttpResponse>> script;
  mutable std::vector<HttpRequest> requests;
  mutable std::mutex mutex;

  HttpResponse send(const HttpRequest& request) const override {
    std::lock_guard lock(mutex);
    requests.push_back(request);
    if (script.empty()) throw std::logic_error("no scripted response left");
    auto next = script.front();
    if (script.size() > 1) script.pop_front();
    if (!next) throw aws::HttpTransportError("POST 127.0.0.1:1 failed: Couldn't connect to server");
    return *next;
  }
};

HttpResponse error_response(long status, std::string code) {
  // The message echoes a secret, as a hostile or buggy endpoint might.
  return {status, nlohmann::json{{"__type", code}, {"Message", kPassword}}.dump()};
}

HttpResponse ok_response(std::string secret_string) {
  return {200, nlohmann::json{{"Name", "prod/db"}, {"SecretString", secret_string}}.dump()};
}

struct ClientFixture {
  std::shared_ptr<ScriptedHttp> http = std::make_shared<ScriptedHttp>();
  std::vector<std::chrono::milliseconds> sleeps;
  std::vector<bool> credential_refreshes;

  aws::SecretsManagerClient client(int max_attempts = 4) {
    aws::SecretsManagerClientOptions options;
    options.credentials = [this](bool refresh) {
      credential_refreshes.push_back(refresh);
      return aws::Credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", {}};
    };
    options.http = http;
    options.clock = std::make_shared<FakeAwsClock>();
    options.max_attempts = max_attempts;
    options.sleep = [this](std::chrono::milliseconds d) { sleeps.push_back(d); };
    return aws::SecretsManagerClient(std::move(options));
  }
  static aws::SecretLocation location() {
    return {"us-east-1", "https://secretsmanager.us-east-1.amazonaws.com"};
  }
  std::string error_of(const std::string& secret_id = "prod/db") {
    try {
      client().get_secret_string(secret_id, location());
    } catch (const AuthError& error) {
      return error.what();
    }
    return "no error";
  }
};

std::string header(const HttpRequest& request, std::string_view name) {
  for (const auto& [n, v] : request.headers)
    if (n == name) return v;
  return {};
}

TEST(SecretsManagerClient, SendsASignedJsonGetSecretValue) {
  ClientFixture f;
  f.http->script = {ok_response(secret_json("app", kPassword))};
  EXPECT_EQ(f.client().get_secret_string("prod/db", f.location()), secret_json("app", kPassword));
  ASSERT_EQ(f.http->requests.size(), 1u);
  const HttpRequest& request = f.http->requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://secretsmanager.us-east-1.amazonaws.com");
  EXPECT_EQ(request.body, R"({"SecretId":"prod/db"})");
  EXPECT_EQ(header(request, "X-Amz-Target"), "secretsmanager.GetSecretValue");
  EXPECT_EQ(header(request, "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(header(request, "Host"), "secretsmanager.us-east-1.amazonaws.com");
  EXPECT_EQ(header(request, "X-Amz-Date"), "20240115T000000Z");
  EXPECT_TRUE(header(request, "Authorization")
                  .starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240115/us-east-1/"
                               "secretsmanager/aws4_request, SignedHeaders=content-type;host;"
                               "x-amz-date;x-amz-target, Signature="))
      << header(request, "Authorization");
}

TEST(SecretsManagerClient, NotFoundAndAccessDeniedFailAtOnceWithClearMessages) {
  ClientFixture f;
  f.http->script = {error_response(400, "ResourceNotFoundException")};
  std::string not_found = f.error_of();
  EXPECT_NE(not_found.find("was not found"), std::string::npos) << not_found;
  EXPECT_NE(not_found.find("prod/db"), std::string::npos) << not_found;
  EXPECT_EQ(not_found.find(kPassword), std::string::npos) << not_found;
  EXPECT_EQ(f.http->requests.size(), 1u);

  ClientFixture g;
  g.http->script = {error_response(400, "com.amazonaws.secretsmanager#AccessDeniedException")};
  std::string denied = g.error_of();
  EXPECT_NE(denied.find("AccessDeniedException"), std::string::npos) << denied;
  EXPECT_NE(denied.find("secretsmanager:GetSecretValue"), std::string::npos) << denied;
  EXPECT_EQ(denied.find(kPassword), std::string::npos) << denied;
  EXPECT_EQ(g.http->requests.size(), 1u);
}

TEST(SecretsManagerClient, ThrottlingIsRetriedWithBoundedExponentialBackoff) {
  ClientFixture f;
  f.http->script = {error_response(400, "ThrottlingException"),
                    error_response(503, "ServiceUnavailable"),
                    ok_response(secret_json("app", kPassword))};
  EXPECT_EQ(f.client().get_secret_string("prod/db", f.location()), secret_json("app", kPassword));
  ASSERT_EQ(f.sleeps.size(), 2u);
  EXPECT_GE(f.sleeps[0], 50ms);
  EXPECT_LE(f.sleeps[0], 100ms);
  EXPECT_GE(f.sleeps[1], 100ms);
  EXPECT_LE(f.sleeps[1], 200ms);
}

TEST(SecretsManagerClient, EndlessThrottlingGivesUpAfterMaxAttempts) {
  ClientFixture f;
  f.http->script = {error_response(400, "ThrottlingException")};
  aws::SecretsManagerClient client = f.client(/*max_attempts=*/8);
  try {
    client.get_secret_string("prod/db", f.location());
    FAIL();
  } catch (const AuthError& error) {
    std::string message = error.what();
    EXPECT_NE(message.find("after 8 attempts"), std::string::npos) << message;
    EXPECT_NE(message.find("ThrottlingException"), std::string::npos) << message;
    EXPECT_EQ(message.find(kPassword), std::string::npos) << message;
  }
  EXPECT_EQ(f.http->requests.size(), 8u);
  ASSERT_EQ(f.sleeps.size(), 7u);
  for (auto pause : f.sleeps) EXPECT_LE(pause, 2000ms);  // the cap
  EXPECT_GE(f.sleeps.back(), 1000ms);
}

TEST(SecretsManagerClient, NetworkFailuresAreRetriedThenReported) {
  ClientFixture f;
  f.http->script = {std::nullopt, ok_response(secret_json("app", kPassword))};
  EXPECT_NO_THROW(f.client().get_secret_string("prod/db", f.location()));
  ClientFixture g;
  g.http->script = {std::nullopt};
  std::string message = g.error_of();
  EXPECT_NE(message.find("Couldn't connect"), std::string::npos) << message;
  EXPECT_NE(message.find("secretsmanager.us-east-1.amazonaws.com"), std::string::npos) << message;
  EXPECT_EQ(g.http->requests.size(), 4u);
}

TEST(SecretsManagerClient, RefusedCredentialsAreRefreshedOnce) {
  ClientFixture f;
  f.http->script = {error_response(400, "ExpiredTokenException"),
                    ok_response(secret_json("app", kPassword))};
  EXPECT_NO_THROW(f.client().get_secret_string("prod/db", f.location()));
  EXPECT_EQ(f.credential_refreshes, (std::vector<bool>{false, true}));

  ClientFixture g;
  g.http->script = {error_response(400, "UnrecognizedClientException")};
  std::string message = g.error_of();
  EXPECT_NE(message.find("refused the AWS credentials"), std::string::npos) << message;
  EXPECT_EQ(g.http->requests.size(), 2u);
}

TEST(SecretsManagerClient, OtherErrorsNameTheStatusAndCodeOnly) {
  ClientFixture f;
  f.http->script = {error_response(400, "DecryptionFailure")};
  std::string message = f.error_of();
  EXPECT_NE(message.find("HTTP 400 (DecryptionFailure)"), std::string::npos) << message;
  EXPECT_EQ(message.find(kPassword), std::string::npos) << message;
  EXPECT_EQ(f.http->requests.size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// The cache

TEST(SecretCacheTest, ReusesUntilExpiryOnTheInjectedClock) {
  auto clock = std::make_shared<FakeAwsClock>();
  SecretCache cache(clock);
  int fetches = 0;
  auto fetch = [&] { return "v" + std::to_string(++fetches); };
  SecretCacheKey key{"prod/db", "us-east-1", "https://e"};
  EXPECT_TRUE(cache.get(key, 60s, fetch).fetched_now);
  clock->advance(59s);
  CachedSecret cached = cache.get(key, 60s, fetch);
  EXPECT_FALSE(cached.fetched_now);
  EXPECT_EQ(cached.value, "v1");
  clock->advance(1s);
  EXPECT_EQ(cache.get(key, 60s, fetch).value, "v2");
  // Another region is another secret.
  EXPECT_EQ(cache.get({"prod/db", "eu-west-1", "https://e"}, 60s, fetch).value, "v3");
  EXPECT_EQ(cache.size(), 2u);
  cache.invalidate(key);
  EXPECT_EQ(cache.get(key, 60s, fetch).value, "v4");
}

TEST(SecretCacheTest, RefreshReusesANewerFetchOfAnotherConnection) {
  SecretCache cache(std::make_shared<FakeAwsClock>());
  int fetches = 0;
  auto fetch = [&] { return "v" + std::to_string(++fetches); };
  SecretCacheKey key{"prod/db", "us-east-1", "https://e"};
  CachedSecret first = cache.get(key, 60s, fetch);
  CachedSecret seen_by_other = cache.get(key, 60s, fetch);
  CachedSecret refreshed = cache.refresh(key, first, fetch);  // this connection was refused
  EXPECT_EQ(refreshed.value, "v2");
  // The other connection, refused with the same old value, takes the newer one without a fetch.
  EXPECT_EQ(cache.refresh(key, seen_by_other, fetch).value, "v2");
  EXPECT_EQ(fetches, 2);
  // Refused with the newest value: fetch again.
  EXPECT_EQ(cache.refresh(key, refreshed, fetch).value, "v3");
}

TEST(SecretCacheTest, ExpiredValueServesWhenSecretsManagerFails) {
  auto clock = std::make_shared<FakeAwsClock>();
  SecretCache cache(clock);
  SecretCacheKey key{"prod/db", "us-east-1", "https://e"};
  cache.get(key, 60s, [] { return std::string("v1"); });
  clock->advance(61s);
  auto failing = []() -> std::string { throw AuthError("Secrets Manager unreachable"); };
  EXPECT_EQ(cache.get(key, 60s, failing).value, "v1");
  EXPECT_THROW(cache.get({"other", "us-east-1", "https://e"}, 60s, failing), AuthError);
}

TEST(SecretCacheTest, ConcurrentConnectionsShareOneFetch) {
  SecretCache cache(std::make_shared<FakeAwsClock>());
  constexpr int kThreads = 8;
  std::atomic<int> fetches{0}, calling{0};
  std::atomic<bool> overlapped{false};
  // The fetch lasts until every thread has called get(): all of them overlap it, so a cache
  // that let each caller fetch would count more than one (threads that happened to run one
  // after the other would prove nothing).
  auto fetch = [&] {
    ++fetches;
    if (testing::eventually([&] { return calling == kThreads; }, 5s, 1ms)) overlapped = true;
    std::this_thread::sleep_for(20ms);  // the last caller, from its count into get()
    return std::string("v");
  };
  SecretCacheKey key{"prod/db", "us-east-1", "https://e"};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&] {
      ++calling;
      cache.get(key, 60s, fetch);
    });
  for (auto& t : threads) t.join();
  EXPECT_TRUE(overlapped) << "the callers never overlapped the fetch";
  EXPECT_EQ(fetches.load(), 1);
}

// ---------------------------------------------------------------------------------------------
// The plugin's logic

class ScriptedSource final : public SecretSource {
 public:
  std::string fetch(const std::string& secret_id, const aws::SecretLocation& location) override {
    std::lock_guard lock(mutex);
    ++fetches;
    last_id = secret_id;
    last_region = location.region;
    std::string value = values.front();
    if (values.size() > 1) values.pop_front();
    return value;
  }
  std::mutex mutex;
  std::deque<std::string> values;
  int fetches = 0;
  std::string last_id, last_region;
};

// A database: accepts exactly one user/password pair, which the test changes.
struct FakeDatabase {
  std::string user = "app";
  std::string password = kPassword;
  std::vector<std::pair<std::string, std::string>> attempts;
  std::unique_ptr<TargetConnection> operator()(ConnectRequest& request) {
    attempts.emplace_back(request.spec.user, request.spec.password);
    if (request.spec.user != user || request.spec.password != password) {
      throw AuthError(
          "FATAL: password authentication failed for user \"" + request.spec.user + "\"", "28P01");
    }
    return nullptr;
  }
};

struct AuthFixture {
  std::shared_ptr<FakeAwsClock> clock = std::make_shared<FakeAwsClock>();
  SecretCache cache{clock};
  std::shared_ptr<ScriptedSource> source = std::make_shared<ScriptedSource>();
  std::vector<std::chrono::milliseconds> sleeps;
  FakeDatabase database;

  SecretsManagerConfig config(std::chrono::seconds rotation_timeout = 10s) {
    SecretsManagerConfig c;
    c.secret_id = "prod/db";
    c.location = {"us-east-1", "https://secretsmanager.us-east-1.amazonaws.com"};
    c.rotation_timeout = rotation_timeout;
    return c;
  }
  SecretsManagerAuthenticator authenticator(std::chrono::seconds rotation_timeout = 10s) {
    return SecretsManagerAuthenticator(config(rotation_timeout), source, cache,
                                       [this](std::chrono::milliseconds pause) {
                                         sleeps.push_back(pause);
                                         clock->advance(pause);
                                       });
  }
  void connect(SecretsManagerAuthenticator& auth) {
    ConnectRequest request;
    request.spec.host = HostInfo{};
    request.spec.host.host = "db.example.com";
    request.spec.host.port = 5432;
    request.spec.user = "ignored";
    request.spec.password = "ignored";
    auth.connect(request, [this](ConnectRequest& r) { return database(r); });
  }
};

TEST(SecretsManagerPlugin, SecretReplacesUserAndPasswordAndIsSharedByConnections) {
  AuthFixture f;
  f.source->values = {secret_json("app", kPassword)};
  auto first = f.authenticator();
  f.connect(first);
  auto second = f.authenticator();
  f.connect(second);
  ASSERT_EQ(f.database.attempts.size(), 2u);
  EXPECT_EQ(f.database.attempts[0], (std::pair<std::string, std::string>{"app", kPassword}));
  EXPECT_EQ(f.source->fetches, 1);
  EXPECT_EQ(f.source->last_region, "us-east-1");
  f.clock->advance(3601s);  // the default expiration
  f.connect(second);
  EXPECT_EQ(f.source->fetches, 2);
}

TEST(SecretsManagerPlugin, RotatedSecretIsFetchedAgainAfterOneRefusedLogin) {
  AuthFixture f;
  f.source->values = {secret_json("app", kPassword)};
  auto auth = f.authenticator();
  f.connect(auth);
  // Rotation finished: database and secret both changed; the cache still has the old value.
  f.database.password = kNewPassword;
  f.source->values = {secret_json("app", kNewPassword)};
  f.connect(auth);
  ASSERT_EQ(f.database.attempts.size(), 3u);
  EXPECT_EQ(f.database.attempts[1].second, kPassword);
  EXPECT_EQ(f.database.attempts[2].second, kNewPassword);
  EXPECT_EQ(f.source->fetches, 2);
  EXPECT_TRUE(f.sleeps.empty());
  f.connect(auth);  // and the new value is cached for everybody
  EXPECT_EQ(f.source->fetches, 2);
}

TEST(SecretsManagerPlugin, RotationInProgressWaitsForTheSecretToChange) {
  AuthFixture f;
  f.source->values = {secret_json("app", kPassword)};
  auto auth = f.authenticator();
  f.connect(auth);
  // The database changed first; AWSCURRENT moves two fetches later.
  f.database.password = kNewPassword;
  f.source->values = {secret_json("app", kPassword), secret_json("app", kPassword),
                      secret_json("app", kNewPassword)};
  f.connect(auth);
  EXPECT_EQ(f.database.attempts.size(), 3u);  // old (refused), new (accepted): no useless logins
  EXPECT_EQ(f.database.attempts.back().second, kNewPassword);
  EXPECT_EQ(f.source->fetches, 4);
  EXPECT_EQ(f.sleeps, (std::vector<std::chrono::milliseconds>{250ms, 500ms}));
}

TEST(SecretsManagerPlugin, SecretUpdatedBeforeTheDatabaseIsRetriedUntilItCatchesUp) {
  AuthFixture f;
  f.source->values = {secret_json("app", kPassword)};
  auto auth = f.authenticator();
  f.connect(auth);
  f.source->values = {secret_json("app", kNewPassword)};
  f.database.password = "still-changing";
  int logins = 0;
  ConnectRequest request;
  auth.connect(request, [&](ConnectRequest& r) -> std::unique_ptr<TargetConnection> {
    if (++logins == 3) f.database.password = kNewPassword;  // the database catches up
    return f.database(r);
  });
  EXPECT_EQ(logins, 3);  // old refused, new refused (too early), new accepted
  EXPECT_EQ(f.database.attempts.back().second, kNewPassword);
}

TEST(SecretsManagerPlugin, WrongPasswordFailsAfterTheBoundedRotationWindow) {
  AuthFixture f;
  f.source->values = {secret_json("app", "never-right")};
  auto auth = f.authenticator(10s);
  auto start = f.clock->now();
  try {
    f.connect(auth);
    FAIL();
  } catch (const AuthError& error) {
    EXPECT_EQ(error.sqlstate(), "28P01");  // the database's own refusal reaches the caller
  }
  EXPECT_LE(f.clock->now() - start, 10s);
  EXPECT_GE(f.clock->now() - start, 5s);
  EXPECT_EQ(f.database.attempts.size(), 1u);  // the unchanged secret is not tried again
  EXPECT_LE(f.source->fetches, 10);
}

TEST(SecretsManagerPlugin, ZeroRotationTimeoutFetchesOnceAndRetriesOnlyAChangedSecret) {
  AuthFixture f;
  f.source->values = {secret_json("app", "never-right")};
  auto auth = f.authenticator(0s);
  EXPECT_THROW(f.connect(auth), AuthError);
  EXPECT_EQ(f.source->fetches, 2);
  EXPECT_TRUE(f.sleeps.empty());
  EXPECT_EQ(f.database.attempts.size(), 1u);
}

TEST(SecretsManagerPlugin, MalformedSecretIsAClearAuthErrorWithoutTheValue) {
  AuthFixture f;
  f.source->values = {R"({"user":"app","password":"Zq7-rotating-Vx9"})"};
  auto auth = f.authenticator();
  try {
    f.connect(auth);
    FAIL();
  } catch (const AuthError& error) {
    std::string message = error.what();
    EXPECT_NE(message.find("has no member 'username'"), std::string::npos) << message;
    EXPECT_EQ(message.find(kPassword), std::string::npos) << message;
  }
  EXPECT_TRUE(f.database.attempts.empty());
  // Fixed in Secrets Manager: the cached malformed value is fetched again, not reused.
  f.source->values = {secret_json("app", kPassword)};
  EXPECT_NO_THROW(f.connect(auth));
}

TEST(SecretsManagerPlugin, NoSecretValueInAnyLogLineOrError) {
  std::mutex log_mutex;
  std::vector<std::string> logged;
  set_log_level(LogLevel::kTrace);
  set_log_sink([&](LogLevel, std::string_view message) {
    std::lock_guard lock(log_mutex);
    logged.emplace_back(message);
  });
  std::vector<std::string> errors;
  {
    AuthFixture f;
    f.source->values = {secret_json("app", kPassword)};
    auto auth = f.authenticator(2s);
    f.connect(auth);
    f.database.password = kNewPassword;
    f.source->values = {secret_json("app", kPassword), secret_json("app", kNewPassword)};
    f.connect(auth);  // rotation
    f.database.password = "never-right";
    try {
      f.connect(auth);
    } catch (const AuthError& error) {
      errors.emplace_back(error.what());
    }
    f.source->values = {R"({"password":"Zq7-rotating-Vx9"})"};
    f.cache.clear();
    try {
      f.connect(auth);
    } catch (const AuthError& error) {
      errors.emplace_back(error.what());
    }
  }
  set_log_sink(nullptr);
  set_log_level(LogLevel::kWarning);
  EXPECT_GE(logged.size(), 4u);
  EXPECT_EQ(errors.size(), 2u);
  for (const auto* value : {kPassword, kNewPassword}) {
    for (const auto& line : logged) EXPECT_EQ(line.find(value), std::string::npos) << line;
    for (const auto& error : errors) EXPECT_EQ(error.find(value), std::string::npos) << error;
  }
}

TEST(SecretsManagerPlugin, PropertiesAreRegisteredWithTheirDefaults) {
  Properties properties = Properties::parse({{"secrets_manager_secret_id", "prod/db"}});
  EXPECT_EQ(properties.get_string(plugin::secrets_manager::kSecretId), "prod/db");
  EXPECT_EQ(properties.get_string(plugin::secrets_manager::kUsernameKey), "username");
  EXPECT_EQ(properties.get_string(plugin::secrets_manager::kPasswordKey), "password");
  EXPECT_EQ(properties.get_int(plugin::secrets_manager::kExpiration), 3600);
  EXPECT_EQ(properties.get_int(plugin::secrets_manager::kRotationTimeout), 10);
  EXPECT_THROW(Properties::parse({{"secrets_manager_expiration", "0"}}), ConfigError);
  EXPECT_TRUE(properties.native().empty());
}

}  // namespace
}  // namespace awrap::internal

namespace awrap::internal {
namespace {

// Background connections (host-monitoring probes, the topology monitor, cancel) through
// BackgroundCredentials: the cached secret; after a refused login a fetch of a newer value, at
// most one per kBackgroundRefetchInterval however often the probes are refused.
TEST(SecretsManagerPlugin, BackgroundLoginsFetchARotatedSecretAfterARefusalAtABoundedRate) {
  AuthFixture f;
  f.source->values = {secret_json("app", kPassword), secret_json("app", "rotated-password")};
  auto auth = f.authenticator();
  f.connect(auth);
  ASSERT_EQ(f.source->fetches, 1);

  ConnectSpec spec;
  auth.fill(spec);
  EXPECT_EQ(spec.user, "app");
  EXPECT_EQ(spec.password, kPassword);
  EXPECT_EQ(f.source->fetches, 1) << "the cached secret serves background logins";

  // The database password rotated: the probe's login is refused; the next fill fetches.
  auth.drop();
  auth.fill(spec);
  EXPECT_EQ(spec.password, "rotated-password");
  EXPECT_EQ(f.source->fetches, 2);

  // Refused again at once (say the database is not updated yet): no fetch before the interval.
  auth.drop();
  auth.fill(spec);
  EXPECT_EQ(f.source->fetches, 2);
  f.clock->advance(SecretsManagerAuthenticator::kBackgroundRefetchInterval);
  auth.drop();
  auth.fill(spec);
  EXPECT_EQ(f.source->fetches, 3);
  EXPECT_EQ(spec.password, "rotated-password");
}

}  // namespace
}  // namespace awrap::internal
