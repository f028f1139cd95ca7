// Inputs the fuzz targets (fuzz/, docs/fuzzing.md) found to break a parser, kept as unit tests
// so the fix stays. Each test names the target and the property or sanitizer that caught it.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "awrap/errors.hpp"
#include "awrap/log.hpp"
#include "aws/credentials.hpp"
#include "aws/sigv4.hpp"
#include "core/conninfo.hpp"
#include "dialect/mysql_dialects.hpp"
#include "dialect/pg_dialects.hpp"
#include "support/fake_result.hpp"
#include "topology/rds_endpoint.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;
using testing::FakeResult;

std::string config_error_of(const std::string& text) {
  try {
    parse_conninfo(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(parsed)";
}

// fuzz_conninfo, "a password never shows in an error": 'postgresql://u:pa/ss@db:5432/app' said
// "invalid port 'pa'" (the host list ends at the '/', so "u:pa" read as host and port).
TEST(FuzzRegression, UrlPasswordWithSlashOrQuestionMarkIsNotQuoted) {
  for (std::string password : {"Xyz/Qwv", "Xyz?Qwv", "Xyz/Qwv?Rst", "Xyz?a=b/Qwv"}) {
    std::string message = config_error_of("postgresql://app:" + password + "@db:5432/app");
    EXPECT_NE(message, "(parsed)") << password;
    EXPECT_EQ(message.find("Xyz"), std::string::npos) << message;
    EXPECT_EQ(message.find("Qwv"), std::string::npos) << message;
    EXPECT_NE(message.find("percent-encode"), std::string::npos) << message;
  }
  // The ConfigError's property is not taken from the URL either (a '?' in the password made
  // its tail a "URL parameter" and the property named it).
  try {
    parse_conninfo("postgresql://app:Xyz?Qwv@db/app");
    ADD_FAILURE() << "parsed";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.property(), "conninfo");
  }
  // Nor does a password ending in ":<digits>" before its '/' become a host name.
  EXPECT_EQ(config_error_of("postgresql://app:Xyz:1/Qwv@db/app").find("Xyz"), std::string::npos);
  EXPECT_NE(config_error_of("postgresql://::1/app").find("brackets"), std::string::npos);
  auto info = parse_conninfo("postgresql://app:Xyz%2FQwv%3F@db:5432/app");
  EXPECT_EQ(info.options.at("password"), "Xyz/Qwv?");
  // Without an '@' after the host list, errors still quote what is wrong.
  EXPECT_NE(config_error_of("postgresql://db:99999/app").find("'99999'"), std::string::npos);
}

// fuzz_conninfo, "written back as keywords it parses the same": any "://" made the text a URL,
// so a keyword value holding one failed with "unsupported URL scheme 'host=… password=…'".
TEST(FuzzRegression, KeywordValueHoldingSchemeSeparatorStaysKeywords) {
  auto info = parse_conninfo("host=db application_name='see https://example.com' user=app");
  EXPECT_EQ(info.engine, "pg");
  ASSERT_EQ(info.hosts.size(), 1u);
  EXPECT_EQ(info.hosts[0].host, "db");
  EXPECT_EQ(info.options.at("application_name"), "see https://example.com");
  EXPECT_NE(
      config_error_of("jdbc:postgresql://db/app").find("unsupported URL scheme 'jdbc:postgresql'"),
      std::string::npos);
}

// fuzz_aws_time, UBSan "signed integer overflow" in system_clock: a year outside what 64-bit
// nanoseconds hold (here 0999) was converted anyway.
TEST(FuzzRegression, AwsTimesOutsideTheClockRangeAreRefused) {
  EXPECT_FALSE(aws::parse_iso8601_utc("0999-01-01T00:00:00Z"));
  EXPECT_FALSE(aws::parse_iso8601_utc("1677-12-31T23:59:59Z"));
  EXPECT_FALSE(aws::parse_iso8601_utc("2262-01-01T00:00:00Z"));
  EXPECT_FALSE(aws::parse_amz_date("99991231T235959Z"));
  EXPECT_TRUE(aws::parse_iso8601_utc("1678-01-01T00:00:00Z"));
  auto last = aws::parse_amz_date("22611231T235959Z");
  ASSERT_TRUE(last);
  EXPECT_EQ(aws::format_amz_date(*last), "22611231T235959Z");
}

// fuzz_aws_time, property "a parsed time formats as an X-Amz-Date that parses back": the leap
// second ending the last year accepted became 2262-01-01, which the parsers refuse.
TEST(FuzzRegression, LeapSecondEndingTheLastAcceptedYearIsRefused) {
  EXPECT_FALSE(aws::parse_iso8601_utc("2261-12-31T23:59:60Z"));
  EXPECT_FALSE(aws::parse_amz_date("22611231T235960Z"));
  auto leap = aws::parse_iso8601_utc("2016-12-31T23:59:60Z");
  ASSERT_TRUE(leap);
  EXPECT_EQ(aws::format_amz_date(*leap), "20170101T000000Z");
}

// fuzz_topology_rows, UBSan "signed integer overflow": a last_update_timestamp in year 1024
// (aurora-mysql) or a UTC offset of +99999999 hours (aurora-pg) overflowed system_clock.
TEST(FuzzRegression, TopologyTimestampsOutsideTheClockRangeAreDropped) {
  FakeResult mysql_rows({"server_id", "is_writer", "lag", "last_update", "age"},
                        {{"instance-1", "1", "0", "1024-05-01 10:15:12", "1"},
                         {"instance-2", "0", "0", "2024-05-01 10:15:12", "1"}});
  auto mysql = aurora_mysql_topology_from_rows(mysql_rows);
  ASSERT_EQ(mysql.size(), 2u);
  EXPECT_TRUE(mysql[0].is_writer);
  EXPECT_FALSE(mysql[0].last_update);
  EXPECT_TRUE(mysql[1].last_update);

  FakeResult pg_rows({"server_id", "is_writer", "lag", "last_update"},
                     {{"instance-1", "t", "0", "2024-05-01 10:11:12+99999999"},
                      {"instance-2", "f", "0", "9999-05-01 10:11:12"},
                      {"instance-3", "f", "0", "2024-05-01 10:11:12+02"}});
  auto pg = aurora_pg_topology_from_rows(pg_rows);
  ASSERT_EQ(pg.size(), 3u);
  EXPECT_FALSE(pg[0].last_update);
  EXPECT_FALSE(pg[1].last_update);
  ASSERT_TRUE(pg[2].last_update);
  auto utc = aws::parse_amz_date("20240501T081112Z");
  ASSERT_TRUE(utc);
  EXPECT_EQ(*pg[2].last_update, *utc);
}

// fuzz_log_masking, "a password next to the message is masked": the rules ran one after the
// other, so masking "password=…" inside a JSON string or URL password first broke the text the
// JSON or URL rule needed, and the start of the password stayed visible.
TEST(FuzzRegression, SecretsHoldingAnotherRulesKeywordAreMaskedWhole) {
  for (std::string text :
       {R"({"password": "Xyzpassword=Qwv"})", "postgresql://app:Xyzpassword=Qwv@db/app",
        "password='Xyz\\'password=Qwv' host=db"}) {
    std::string masked = mask_secrets(text);
    EXPECT_EQ(masked.find("Xyz"), std::string::npos) << text << " -> " << masked;
    EXPECT_EQ(masked.find("Qwv"), std::string::npos) << text << " -> " << masked;
  }
  // Overlapping finds are masked as one (here up to the end: the unquoted rule reads on).
  EXPECT_EQ(mask_secrets(R"({"user": "app", "password": "a password=b"})"),
            R"({"user": "app", "password": "***)");
}

}  // namespace
}  // namespace awrap::internal

namespace awrap::internal {
namespace {

// fuzz_rds_endpoint (long run), "a derived host pattern is accepted": a cluster label longer than
// a DNS label allows (63) was taken for an RDS endpoint, and the pattern derived from it was then
// refused. Such a name is not an RDS endpoint.
TEST(FuzzRegression, RdsLabelsLongerThanDnsAllowsAreNotRdsEndpoints) {
  const std::string long_id(60, '3');
  EXPECT_EQ(
      classify_rds_endpoint("mydb.cluster-c0akciq32lga" + long_id + ".us-east-1.rds.amazonaws.com")
          .kind,
      RdsEndpointKind::kOther);
  EXPECT_EQ(classify_rds_endpoint("mydb.cluster-c0akciq32lga.us-east-1.rds.amazonaws.com").kind,
            RdsEndpointKind::kClusterWriter);
}

// fuzz_rds_endpoint (run 5), the same property: a region label of 70 characters
// ("us-ea" + 'i' x 12 + 'v' x 34 + 'i' x 21 + "st-1") was taken for a region, and the pattern
// derived from the instance endpoint was refused. The region is a DNS label too.
TEST(FuzzRegression, RdsRegionLongerThanADnsLabelIsNotARegion) {
  const std::string long_region =
      "us-ea" + std::string(12, 'i') + std::string(34, 'v') + std::string(21, 'i') + "st-1";
  ASSERT_GT(long_region.size(), 63U);
  for (const std::string& host :
       {"mydb.aluciq32lgf." + long_region + ".rds.amazonaws.com",
        "mydb.cluster-aluciq32lgf." + long_region + ".rds.amazonaws.com",
        "mydb.aluciq32lgf.rds.cn-" + std::string(60, 'n') + "-1.amazonaws.com.cn"}) {
    EXPECT_EQ(classify_rds_endpoint(host).kind, RdsEndpointKind::kOther) << host;
  }
  const std::string longest_region = "us-" + std::string(58, 'e') + "-1";  // 63 characters
  EXPECT_EQ(classify_rds_endpoint("mydb.aluciq32lgf." + longest_region + ".rds.amazonaws.com").kind,
            RdsEndpointKind::kInstance);
  EXPECT_EQ(classify_rds_endpoint("mydb.aluciq32lgf.us-east-1.rds.amazonaws.com").kind,
            RdsEndpointKind::kInstance);
}

}  // namespace
}  // namespace awrap::internal
