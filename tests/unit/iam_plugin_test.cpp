// The iam plugin's logic through its seam (IamAuthenticator): token in the password, cache keys,
// retry once on a refused cached token, MySQL TLS rule, region errors, no token in logs.
#include <gtest/gtest.h>

#include <mutex>

#include "awrap/errors.hpp"
#include "awrap/log.hpp"
#include "plugin/iam/iam_authenticator.hpp"
#include "plugin/iam/iam_properties.hpp"
#include "support/aws_fake_clock.hpp"

namespace awrap::internal::plugin::iam {
namespace {

using namespace std::chrono_literals;

class CountingTokenSource final : public IamTokenSource {
 public:
  std::string generate_token(const aws::RdsTokenKey& key, bool refresh_credentials) override {
    std::lock_guard lock(mutex);
    ++generated;
    if (refresh_credentials) ++refreshes;
    last_key = key;
    // Shaped like a real token so the log check looks for a realistic signature.
    return key.host + ":" + std::to_string(key.port) + "/?Action=connect&DBUser=" + key.user +
           "&X-Amz-Signature=" + std::string(64, static_cast<char>('a' + generated % 6));
  }
  std::mutex mutex;
  int generated = 0;
  int refreshes = 0;
  aws::RdsTokenKey last_key;
};

struct Fixture {
  std::shared_ptr<awrap::internal::testing::FakeAwsClock> clock =
      std::make_shared<awrap::internal::testing::FakeAwsClock>();
  aws::RdsTokenCache cache{clock};
  std::shared_ptr<CountingTokenSource> tokens = std::make_shared<CountingTokenSource>();

  IamConfig config(std::string region = "us-east-1") {
    IamConfig c;
    c.region = std::move(region);
    // PGSSLMODE=require: libpq's TLS rule for every PostgreSQL request that names no sslmode
    // (the iam plugin refuses to send a token without TLS).
    c.environment = aws::fixed_environment({{"AWS_CONFIG_FILE", "/nonexistent/awrap/config"},
                                            {"HOME", "/nonexistent/awrap"},
                                            {"PGSSLMODE", "require"}});
    return c;
  }
};

ConnectRequest request_for(std::string host, int port, std::string user = "iam_user") {
  ConnectRequest request;
  request.spec.host.host = std::move(host);
  request.spec.host.port = port;
  request.spec.user = std::move(user);
  request.spec.password = "ignored";
  return request;
}

// next() that records the password it saw and fails with AuthError `failures` times.
struct RecordingNext {
  std::vector<std::string> passwords;
  std::vector<std::map<std::string, std::string, std::less<>>> options;
  int failures = 0;
  std::unique_ptr<TargetConnection> operator()(ConnectRequest& request) {
    passwords.push_back(request.spec.password);
    options.push_back(request.spec.native_options);
    if (failures > 0) {
      --failures;
      throw AuthError("FATAL: PAM authentication failed for user \"iam_user\"", "28000");
    }
    return nullptr;
  }
};

std::unique_ptr<TargetConnection> run(IamAuthenticator& auth, ConnectRequest& request,
                                      RecordingNext& next, std::string_view engine = "pg") {
  return auth.connect(request, engine, engine == "pg" ? 5432 : 3306,
                      [&next](ConnectRequest& r) { return next(r); });
}

TEST(IamPlugin, PutsATokenInThePasswordAndReusesItAcrossConnections) {
  Fixture f;
  RecordingNext next;
  IamAuthenticator first(f.config(), f.tokens, f.cache);
  auto request = request_for("db.example.com", 5432);
  run(first, request, next);
  IamAuthenticator second(f.config(), f.tokens, f.cache);
  auto request2 = request_for("db.example.com", 5432);
  run(second, request2, next);
  ASSERT_EQ(next.passwords.size(), 2u);
  EXPECT_TRUE(next.passwords[0].starts_with("db.example.com:5432/?Action=connect&DBUser=iam_user"));
  EXPECT_EQ(next.passwords[0], next.passwords[1]);
  EXPECT_EQ(f.tokens->generated, 1);
}

TEST(IamPlugin, TokenIsRenewedAfterIamExpiration) {
  Fixture f;
  RecordingNext next;
  IamConfig config = f.config();
  config.token_lifetime = 300s;
  IamAuthenticator auth(config, f.tokens, f.cache);
  auto request = request_for("db.example.com", 5432);
  run(auth, request, next);
  f.clock->advance(299s);
  run(auth, request, next);
  EXPECT_EQ(f.tokens->generated, 1);
  f.clock->advance(1s);
  run(auth, request, next);
  EXPECT_EQ(f.tokens->generated, 2);
}

TEST(IamPlugin, KeyUsesIamHostIamDefaultPortAndEngineDefaultPort) {
  Fixture f;
  IamConfig config = f.config("");
  IamAuthenticator plain(config, f.tokens, f.cache);
  auto key = plain.token_key(request_for("db.abc.eu-west-1.rds.amazonaws.com", 0), 5432);
  EXPECT_EQ(key.host, "db.abc.eu-west-1.rds.amazonaws.com");
  EXPECT_EQ(key.port, 5432);
  EXPECT_EQ(key.region, "eu-west-1");
  EXPECT_EQ(key.user, "iam_user");

  config.iam_host = "real.abc.us-west-2.rds.amazonaws.com";
  config.iam_default_port = 6543;
  IamAuthenticator overridden(config, f.tokens, f.cache);
  key = overridden.token_key(request_for("127.0.0.1", 15432), 5432);
  EXPECT_EQ(key.host, "real.abc.us-west-2.rds.amazonaws.com");
  EXPECT_EQ(key.port, 6543);
  EXPECT_EQ(key.region, "us-west-2");
}

TEST(IamPlugin, NoRegionIsAConfigError) {
  Fixture f;
  RecordingNext next;
  IamAuthenticator auth(f.config(""), f.tokens, f.cache);
  auto request = request_for("db.internal", 5432);
  EXPECT_THROW(run(auth, request, next), ConfigError);
  EXPECT_TRUE(next.passwords.empty());
}

TEST(IamPlugin, RefusedCachedTokenIsReplacedOnceWithFreshCredentials) {
  Fixture f;
  RecordingNext next;
  IamAuthenticator auth(f.config(), f.tokens, f.cache);
  auto request = request_for("db.example.com", 5432);
  run(auth, request, next);  // caches token 1
  next.failures = 1;
  run(auth, request, next);  // cached token 1 refused, token 2 accepted
  ASSERT_EQ(next.passwords.size(), 3u);
  EXPECT_EQ(next.passwords[1], next.passwords[0]);
  EXPECT_NE(next.passwords[2], next.passwords[1]);
  EXPECT_EQ(f.tokens->generated, 2);
  EXPECT_EQ(f.tokens->refreshes, 1);
  // The fresh token is what the cache holds now.
  EXPECT_EQ(f.cache.find(auth.token_key(request, 5432)), next.passwords[2]);
}

TEST(IamPlugin, RetriesOnlyOnce) {
  Fixture f;
  RecordingNext next;
  IamAuthenticator auth(f.config(), f.tokens, f.cache);
  auto request = request_for("db.example.com", 5432);
  run(auth, request, next);
  next.failures = 5;
  EXPECT_THROW(run(auth, request, next), AuthError);
  EXPECT_EQ(next.passwords.size(), 3u);  // 1 ok + cached refused + one fresh refused
  EXPECT_EQ(f.cache.size(), 0u);         // nothing refused stays cached
}

TEST(IamPlugin, FreshTokenRefusedIsNotRetried) {
  Fixture f;
  RecordingNext next;
  next.failures = 1;
  IamAuthenticator auth(f.config(), f.tokens, f.cache);
  auto request = request_for("db.example.com", 5432);
  EXPECT_THROW(run(auth, request, next), AuthError);
  EXPECT_EQ(next.passwords.size(), 1u);
  EXPECT_EQ(f.tokens->generated, 1);
}

TEST(IamPlugin, OtherErrorsPassThroughWithoutRetry) {
  Fixture f;
  IamAuthenticator auth(f.config(), f.tokens, f.cache);
  auto request = request_for("db.example.com", 5432);
  int calls = 0;
  auto refuse = [&](ConnectRequest&) -> std::unique_ptr<TargetConnection> {
    ++calls;
    throw ConnectError("connection refused");
  };
  EXPECT_THROW(auth.connect(request, "pg", 5432, refuse), ConnectError);
  EXPECT_THROW(auth.connect(request, "pg", 5432, refuse), ConnectError);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(f.tokens->generated, 1);  // the token stays cached: the server never saw it
}

TEST(IamPlugin, MysqlRequiresTlsUnlessTheUserOptsOut) {
  Fixture f;
  RecordingNext next;
  IamAuthenticator auth(f.config(), f.tokens, f.cache);
  auto request = request_for("db.example.com", 3306);
  try {
    run(auth, request, next, "mysql");
    FAIL();
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("ssl_mode=REQUIRED"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("iam_allow_cleartext_without_tls"), std::string::npos);
  }
  EXPECT_TRUE(next.passwords.empty());
  EXPECT_EQ(f.tokens->generated, 0);

  request.spec.native_options["ssl_mode"] = "PREFERRED";
  EXPECT_THROW(run(auth, request, next, "mysql"), ConfigError);
  request.spec.native_options["ssl_mode"] = "verify_identity";
  run(auth, request, next, "mysql");
  ASSERT_EQ(next.options.size(), 1u);
  EXPECT_EQ(next.options[0].at("enable_cleartext_plugin"), "true");

  IamConfig opt_out = f.config();
  opt_out.allow_cleartext_without_tls = true;
  IamAuthenticator lab(opt_out, f.tokens, f.cache);
  auto plain = request_for("db.example.com", 3306);
  run(lab, plain, next, "mysql");
  EXPECT_EQ(next.options.back().at("enable_cleartext_plugin"), "true");
}

TEST(IamPlugin, MysqlTlsDetection) {
  EXPECT_TRUE(mysql_options_require_tls({{"ssl_mode", "REQUIRED"}}));
  EXPECT_TRUE(mysql_options_require_tls({{"ssl_mode", "VERIFY_CA"}}));
  EXPECT_TRUE(mysql_options_require_tls({{"ssl", "true"}}));
  EXPECT_FALSE(mysql_options_require_tls({{"ssl", "0"}}));
  EXPECT_FALSE(mysql_options_require_tls({{"ssl_mode", "DISABLED"}}));
  EXPECT_FALSE(mysql_options_require_tls({{"ssl_ca", "/ca.pem"}}));
}

// Issue 12, defect 12: on PostgreSQL the token went out under libpq's default sslmode=prefer,
// which sends it in the clear to a server without TLS (or to anyone in between who says so).
TEST(IamPlugin, PostgresRequiresTlsUnlessTheUserOptsOut) {
  Fixture f;
  RecordingNext next;
  IamConfig no_tls = f.config();
  no_tls.environment = aws::fixed_environment(
      {{"AWS_CONFIG_FILE", "/nonexistent/awrap/config"}, {"HOME", "/nonexistent/awrap"}});
  IamAuthenticator auth(no_tls, f.tokens, f.cache);
  for (const char* mode : {"", "disable", "allow", "prefer", "PREFER"}) {
    auto request = request_for("db.example.com", 5432);
    if (*mode) request.spec.native_options["sslmode"] = mode;
    try {
      run(auth, request, next);
      ADD_FAILURE() << "sent a token with sslmode '" << mode << "'";
    } catch (const ConfigError& error) {
      std::string message = error.what();
      EXPECT_EQ(error.property(), "sslmode");
      EXPECT_NE(message.find(*mode ? "sslmode='" + std::string(mode) + "'"
                                   : std::string("no sslmode (libpq's default, prefer)")),
                std::string::npos)
          << message;
      EXPECT_NE(message.find("sslmode=require, verify-ca or verify-full"), std::string::npos)
          << message;
      EXPECT_NE(message.find("iam_allow_cleartext_without_tls=true"), std::string::npos);
    }
  }
  EXPECT_TRUE(next.passwords.empty()) << "a token reached the server";
  EXPECT_EQ(f.tokens->generated, 0);

  for (const char* mode : {"require", "verify-ca", "verify-full", "Verify-Full"}) {
    auto request = request_for("db.example.com", 5432);
    request.spec.native_options["sslmode"] = mode;
    run(auth, request, next);
  }
  EXPECT_EQ(next.passwords.size(), 4u);

  IamConfig opt_out = no_tls;
  opt_out.allow_cleartext_without_tls = true;
  IamAuthenticator lab(opt_out, f.tokens, f.cache);
  auto plain = request_for("db.example.com", 5432);
  plain.spec.native_options["sslmode"] = "disable";
  run(lab, plain, next);
  EXPECT_EQ(next.passwords.size(), 5u);
}

TEST(IamPlugin, PostgresTlsDetection) {
  auto none = aws::fixed_environment({});
  EXPECT_TRUE(pg_options_require_tls({{"sslmode", "require"}}, none));
  EXPECT_TRUE(pg_options_require_tls({{"sslmode", "verify-full"}}, none));
  EXPECT_FALSE(pg_options_require_tls({{"sslmode", "prefer"}}, none));
  EXPECT_FALSE(pg_options_require_tls({}, none));
  // libpq reads PGSSLMODE when the connection names no sslmode; an explicit sslmode wins.
  auto require = aws::fixed_environment({{"PGSSLMODE", "require"}});
  EXPECT_TRUE(pg_options_require_tls({}, require));
  EXPECT_FALSE(pg_options_require_tls({{"sslmode", "disable"}}, require));
  EXPECT_FALSE(pg_options_require_tls({}, aws::fixed_environment({{"PGSSLMODE", "allow"}})));
  EXPECT_TRUE(pg_options_require_tls({{"requiressl", "1"}}, none));
  EXPECT_FALSE(pg_options_require_tls({{"requiressl", "0"}}, none));
}

TEST(IamPlugin, PostgresGetsNoMysqlOption) {
  Fixture f;
  RecordingNext next;
  IamAuthenticator auth(f.config(), f.tokens, f.cache);
  auto request = request_for("db.example.com", 5432);
  run(auth, request, next);
  EXPECT_EQ(next.options[0].count("enable_cleartext_plugin"), 0u);
}

TEST(IamPlugin, TokensNeverReachTheLog) {
  std::vector<std::string> logged;
  std::mutex log_mutex;
  awrap::set_log_level(awrap::LogLevel::kTrace);
  awrap::set_log_sink([&](awrap::LogLevel, std::string_view message) {
    std::lock_guard lock(log_mutex);
    logged.emplace_back(message);
  });
  Fixture f;
  RecordingNext next;
  IamAuthenticator auth(f.config(), f.tokens, f.cache);
  auto request = request_for("db.example.com", 5432);
  run(auth, request, next);
  next.failures = 2;
  EXPECT_THROW(run(auth, request, next), AuthError);
  awrap::set_log_sink(nullptr);
  awrap::set_log_level(awrap::LogLevel::kWarning);
  EXPECT_FALSE(logged.empty());
  for (const std::string& password : next.passwords) {
    std::string signature = password.substr(password.find("X-Amz-Signature=") + 16);
    for (const std::string& line : logged) {
      EXPECT_EQ(line.find(signature), std::string::npos) << line;
      EXPECT_EQ(line.find("Action=connect"), std::string::npos) << line;
    }
  }
}

TEST(IamPlugin, PropertyTableIsComplete) {
  std::vector<std::string_view> names;
  for (const auto& definition : kIamProperties) names.push_back(definition.name);
  for (std::string_view expected : {"iam_host", "iam_default_port", "iam_region", "iam_expiration",
                                    "aws_profile", "iam_allow_cleartext_without_tls"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  }
  for (const auto& definition : kIamProperties) {
    if (definition.name == "iam_expiration") {
      EXPECT_EQ(definition.default_value, "870");
    }
  }
}

}  // namespace
}  // namespace awrap::internal::plugin::iam

namespace awrap::internal::plugin::iam {
namespace {

// Background connections (host-monitoring probes, the topology monitor, cancel) through
// IamAuthenticator::fill: the cached token while it lives, a new one after iam_expiration (the
// token of the last login is never reused past its lifetime), and after a refused login a new
// token made with AWS credentials loaded again.
TEST(IamPlugin, BackgroundLoginsGetTheCachedTokenThenAFreshOne) {
  Fixture f;
  IamConfig config = f.config();
  config.token_lifetime = 60s;
  IamAuthenticator auth(config, f.tokens, f.cache);
  ConnectRequest request = request_for("db.example.com", 5432);
  RecordingNext next;
  run(auth, request, next);
  ASSERT_EQ(f.tokens->generated, 1);

  ConnectSpec spec = request_for("db.example.com", 5432).spec;
  auth.fill(spec, "pg", 5432);
  EXPECT_EQ(spec.password, next.passwords.back()) << "the cached token while it lives";
  EXPECT_EQ(f.tokens->generated, 1);

  f.clock->advance(61s);
  auth.fill(spec, "pg", 5432);
  EXPECT_EQ(f.tokens->generated, 2) << "an expired token is never handed to a probe";
  EXPECT_NE(spec.password, next.passwords.back());

  auth.drop(spec, 5432);
  auth.fill(spec, "pg", 5432);
  EXPECT_EQ(f.tokens->generated, 3);
  EXPECT_EQ(f.tokens->refreshes, 1) << "AWS credentials are loaded again after a refusal";

  ConnectSpec mysql = request_for("db.example.com", 3306).spec;
  auth.fill(mysql, "mysql", 3306);
  EXPECT_EQ(mysql.native_options.at("enable_cleartext_plugin"), "true");
}

}  // namespace
}  // namespace awrap::internal::plugin::iam
