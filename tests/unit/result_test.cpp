#include "awrap/result.hpp"

#include <gtest/gtest.h>

#include "awrap/errors.hpp"
#include "awrap/params.hpp"
#include "support/fake_result.hpp"

namespace awrap::internal {
namespace {

Result make_result() {
  return Result(std::make_shared<testing::FakeResult>(
      std::vector<std::string>{"id", "name", "score", "ok"},
      std::vector<std::vector<std::optional<std::string>>>{
          {"1", "ada", "1.5", "t"},
          {"-9223372036854775808", std::nullopt, "NaN", "false"},
          {"abc", "x", "1e3", "maybe"}}));
}

TEST(Result, IteratesRowsAndReadsTypedValues) {
  Result r = make_result();
  ASSERT_EQ(r.size(), 3u);
  ASSERT_EQ(r.column_count(), 4u);
  EXPECT_EQ(r.column_name(1), "name");
  EXPECT_EQ(r.column_index("score"), 2u);
  std::size_t n = 0;
  for (const Row& row : r) {
    EXPECT_EQ(row.size(), 4u);
    ++n;
  }
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(r[0][0].as<std::int64_t>(), 1);
  EXPECT_EQ(r[0]["name"].as<std::string>(), "ada");
  EXPECT_DOUBLE_EQ(r[0][2].as<double>(), 1.5);
  EXPECT_TRUE(r[0][3].as<bool>());
  EXPECT_EQ(r[1][0].as<std::int64_t>(), INT64_MIN);
  EXPECT_FALSE(r[1][3].as<bool>());
  EXPECT_DOUBLE_EQ(r[2][2].as<double>(), 1000.0);
}

TEST(Result, NullsReadAsEmptyOptionalAndThrowOtherwise) {
  Result r = make_result();
  EXPECT_TRUE(r[1][1].is_null());
  EXPECT_EQ(r[1][1].as<std::optional<std::string>>(), std::nullopt);
  EXPECT_EQ(r[0][1].as<std::optional<std::string>>(), "ada");
  EXPECT_THROW(r[1][1].as<std::string>(), QueryError);
}

TEST(Result, BadConversionsNameTheColumnAndValue) {
  Result r = make_result();
  try {
    r[2][0].as<std::int64_t>();
    FAIL() << "expected QueryError";
  } catch (const QueryError& e) {
    EXPECT_NE(std::string(e.what()).find("'id'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'abc'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(r[2][3].as<bool>(), QueryError);
  EXPECT_THROW(r[1][0].as<std::int32_t>(), QueryError);  // out of range
}

TEST(Result, BoundsAreChecked) {
  Result r = make_result();
  EXPECT_THROW(r.at(3), std::out_of_range);
  EXPECT_THROW(r[0].at(4), std::out_of_range);
  EXPECT_THROW(r[0].at("nope"), std::out_of_range);
  EXPECT_THROW(r.column_index("nope"), std::out_of_range);
  EXPECT_THROW(r.scalar<std::int64_t>(), QueryError);
}

TEST(Result, EmptyResultIsSafe) {
  Result r;
  EXPECT_EQ(r.size(), 0u);
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.begin(), r.end());
  EXPECT_EQ(r.affected_rows(), 0);
}

TEST(Param, KeepsKindAndText) {
  EXPECT_TRUE(Param(nullptr).is_null());
  EXPECT_EQ(Param(42).text(), "42");
  EXPECT_EQ(Param(42).kind(), Param::Kind::kInteger);
  EXPECT_EQ(Param(true).text(), "true");
  EXPECT_EQ(Param(true).kind(), Param::Kind::kBool);
  EXPECT_EQ(Param(0.25).text(), "0.25");
  EXPECT_EQ(Param("x").kind(), Param::Kind::kText);
  EXPECT_TRUE(Param(std::optional<int>()).is_null());
  EXPECT_EQ(Param(std::optional<int>(7)).text(), "7");
}

}  // namespace
}  // namespace awrap::internal
