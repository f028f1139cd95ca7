// RDS IAM tokens against botocore's generate_db_auth_token, and the token cache.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "aws/rds_token.hpp"
#include "aws/sigv4.hpp"
#include "support/aws_fake_clock.hpp"
#include "support/eventually.hpp"

namespace awrap::internal::aws {
namespace {

using namespace std::chrono_literals;

nlohmann::json load_token_vectors() {
  std::ifstream in(std::filesystem::path(AWRAP_TEST_DATA_DIR) / "sigv4/rds_iam_tokens.json");
  std::ostringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

TEST(AwsRdsToken, ReproducesEveryBotocoreToken) {
  nlohmann::json vectors = load_token_vectors();
  ASSERT_EQ(vectors["cases"].size(), 12u);
  for (const auto& c : vectors["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    Credentials credentials;
    credentials.access_key_id = c["access_key_id"];
    credentials.secret_access_key = c["secret_access_key"];
    if (!c["session_token"].is_null()) credentials.session_token = c["session_token"];
    auto now = parse_amz_date(c["timestamp"].get<std::string>());
    ASSERT_TRUE(now);
    std::string token = generate_rds_auth_token(
        c["host"].get<std::string>(), c["port"].get<int>(), c["user"].get<std::string>(),
        c["region"].get<std::string>(), credentials, *now, std::chrono::seconds(c["expires"]));
    EXPECT_EQ(token, c["token"].get<std::string>());
  }
}

TEST(AwsRdsToken, ExpiresIsConfigurable) {
  Credentials credentials{"AKIDEXAMPLE", "secret", "", std::nullopt};
  std::string token = generate_rds_auth_token("h", 5432, "u", "us-east-1", credentials,
                                              *parse_amz_date("20240101T000000Z"), 60s);
  EXPECT_NE(token.find("&X-Amz-Expires=60&"), std::string::npos);
  EXPECT_TRUE(token.starts_with("h:5432/?Action=connect&DBUser=u&X-Amz-Algorithm="));
}

RdsTokenKey key(std::string user = "app") {
  return {"us-east-1", "db.example.com", 5432, user};
}

TEST(AwsRdsTokenCache, ReusesTokenUntilLifetimePasses) {
  auto clock = std::make_shared<awrap::internal::testing::FakeAwsClock>();
  RdsTokenCache cache(clock);
  int generated = 0;
  auto generate = [&] { return "token-" + std::to_string(++generated); };
  EXPECT_EQ(cache.get_or_generate(key(), 870s, generate), "token-1");
  clock->advance(869s);
  EXPECT_EQ(cache.get_or_generate(key(), 870s, generate), "token-1");
  clock->advance(1s);
  EXPECT_EQ(cache.get_or_generate(key(), 870s, generate), "token-2");
  EXPECT_EQ(generated, 2);
}

TEST(AwsRdsTokenCache, KeysAreRegionHostPortAndUser) {
  auto clock = std::make_shared<awrap::internal::testing::FakeAwsClock>();
  RdsTokenCache cache(clock);
  cache.store(key("a"), "ta", 870s);
  cache.store(key("b"), "tb", 870s);
  cache.store({"us-east-1", "db.example.com", 5433, "a"}, "tport", 870s);
  cache.store({"eu-west-1", "db.example.com", 5432, "a"}, "tregion", 870s);
  EXPECT_EQ(cache.find(key("a")), "ta");
  EXPECT_EQ(cache.find(key("b")), "tb");
  EXPECT_EQ(cache.find({"us-east-1", "db.example.com", 5433, "a"}), "tport");
  EXPECT_EQ(cache.find({"eu-west-1", "db.example.com", 5432, "a"}), "tregion");
  EXPECT_EQ(cache.find({"us-east-1", "other.example.com", 5432, "a"}), "");
  cache.invalidate(key("a"));
  EXPECT_EQ(cache.find(key("a")), "");
  EXPECT_EQ(cache.find(key("b")), "tb");
}

TEST(AwsRdsTokenCache, GenerationFailureStoresNothing) {
  RdsTokenCache cache(std::make_shared<awrap::internal::testing::FakeAwsClock>());
  EXPECT_THROW(
      cache.get_or_generate(key(), 870s, []() -> std::string { throw std::runtime_error("no"); }),
      std::runtime_error);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(AwsRdsTokenCache, ExpiredEntriesAreDroppedOnStore) {
  auto clock = std::make_shared<awrap::internal::testing::FakeAwsClock>();
  RdsTokenCache cache(clock);
  cache.store(key("a"), "ta", 10s);
  clock->advance(11s);
  cache.store(key("b"), "tb", 10s);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(AwsRdsTokenCache, ConcurrentUseIsSafe) {
  auto clock = std::make_shared<awrap::internal::testing::FakeAwsClock>();
  RdsTokenCache cache(clock);
  std::vector<std::jthread> threads;
  std::atomic<int> mismatches{0};
  // Proof that the threads overlap: a generation waits (once) until all four threads are inside
  // get_or_generate together; without it they might have run one after the other.
  std::atomic<int> inside{0};
  std::atomic<bool> overlapped{false};
  auto await_overlap = [&] {
    if (!overlapped &&
        awrap::internal::testing::eventually([&] { return overlapped || inside == 4; }, 5s, 1ms))
      overlapped = true;
  };
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        RdsTokenKey k = key("user" + std::to_string((i + t) % 8));
        ++inside;
        std::string token = cache.get_or_generate(k, 870s, [&] {
          await_overlap();
          return "tok-" + k.user;
        });
        --inside;
        if (token != "tok-" + k.user) ++mismatches;
        if (i % 100 == 0) cache.invalidate(k);
        if (t == 0 && i % 500 == 0) clock->advance(1000s);
      }
    });
  }
  threads.clear();
  EXPECT_TRUE(overlapped) << "the threads never ran inside the cache together";
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace awrap::internal::aws
