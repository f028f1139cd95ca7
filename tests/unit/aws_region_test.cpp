#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "awrap/errors.hpp"
#include "aws/region.hpp"

namespace awrap::internal::aws {
namespace {

TEST(AwsRegion, FromRdsHostNames) {
  EXPECT_EQ(region_from_rds_host("mydb.c1abcdefghij.us-east-1.rds.amazonaws.com"), "us-east-1");
  EXPECT_EQ(region_from_rds_host("orders.cluster-ro-cabc.EU-WEST-1.rds.amazonaws.com."),
            "eu-west-1");
  EXPECT_EQ(region_from_rds_host("ledger.cluster-g0v1.us-gov-east-1.rds.amazonaws.com"),
            "us-gov-east-1");
  EXPECT_EQ(region_from_rds_host("inventory.cnw1abcdefgh.rds.cn-northwest-1.amazonaws.com.cn"),
            "cn-northwest-1");
  EXPECT_EQ(region_from_rds_host("inventory.cnw1abcdefgh.cn-north-1.rds.amazonaws.com.cn"),
            "cn-north-1");
  EXPECT_EQ(region_from_rds_host("proxy-x.proxy-abc.ap-southeast-2.rds.amazonaws.com"),
            "ap-southeast-2");
  EXPECT_FALSE(region_from_rds_host("db.example.com"));
  EXPECT_FALSE(region_from_rds_host("10.0.12.34"));
  EXPECT_FALSE(region_from_rds_host("rds.amazonaws.com"));
  EXPECT_FALSE(region_from_rds_host("x.notaregion.rds.amazonaws.com"));
  EXPECT_FALSE(region_from_rds_host(""));
}

TEST(AwsRegion, LooksLikeRegion) {
  EXPECT_TRUE(looks_like_region("us-east-1"));
  EXPECT_TRUE(looks_like_region("us-gov-west-1"));
  EXPECT_TRUE(looks_like_region("us-iso-east-1"));
  EXPECT_FALSE(looks_like_region("us-east"));
  EXPECT_FALSE(looks_like_region("us-1-east"));
  EXPECT_FALSE(looks_like_region("US-EAST-1"));
}

RegionSources sources(std::string explicit_region, std::string host,
                      std::map<std::string, std::string, std::less<>> env) {
  env.try_emplace("AWS_CONFIG_FILE", "/nonexistent/awrap/config");
  env.try_emplace("HOME", "/nonexistent/awrap");
  RegionSources s;
  s.explicit_region = std::move(explicit_region);
  s.host = std::move(host);
  s.environment = fixed_environment(std::move(env));
  return s;
}

TEST(AwsRegion, ResolutionOrder) {
  const std::string rds = "db.abc.eu-west-1.rds.amazonaws.com";
  EXPECT_EQ(resolve_region(sources("ap-south-1", rds, {{"AWS_REGION", "us-west-2"}})),
            "ap-south-1");
  EXPECT_EQ(resolve_region(sources("", rds, {{"AWS_REGION", "us-west-2"}})), "eu-west-1");
  EXPECT_EQ(
      resolve_region(sources("", "db.local",
                             {{"AWS_REGION", "us-west-2"}, {"AWS_DEFAULT_REGION", "us-east-2"}})),
      "us-west-2");
  EXPECT_EQ(resolve_region(sources("", "db.local", {{"AWS_DEFAULT_REGION", "us-east-2"}})),
            "us-east-2");

  auto dir = std::filesystem::temp_directory_path() / ("awrap-region-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "config") << "[default]\nregion=sa-east-1\n[profile other]\nregion = "
                                   "ca-central-1\n";
  auto s = sources("", "db.local", {{"AWS_CONFIG_FILE", (dir / "config").string()}});
  EXPECT_EQ(resolve_region(s), "sa-east-1");
  s.profile = "other";
  EXPECT_EQ(resolve_region(s), "ca-central-1");
  std::filesystem::remove_all(dir);
}

TEST(AwsRegion, MalformedExplicitRegionIsAConfigError) {
  EXPECT_THROW(resolve_region(sources("us east 1", "db.local", {})), ConfigError);
  EXPECT_THROW(resolve_region(sources("US-EAST-1", "db.local", {})), ConfigError);
}

TEST(AwsRegion, NoneIsAConfigErrorNamingWhatToSet) {
  try {
    resolve_region(sources("", "db.local", {}));
    FAIL();
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.property(), "iam_region");
    std::string message = error.what();
    EXPECT_NE(message.find("iam_region"), std::string::npos);
    EXPECT_NE(message.find("AWS_REGION"), std::string::npos);
  }
}

}  // namespace
}  // namespace awrap::internal::aws
