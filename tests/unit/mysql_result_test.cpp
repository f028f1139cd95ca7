#include "driver/mysql/mysql_result.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "awrap/result.hpp"

namespace awrap::internal::mysql {
namespace {

TEST(MysqlResult, KeepsValuesNullsAndEmptyStringsApart) {
  MysqlResultBuilder builder({"a", "b"});
  builder.add_value("1");
  builder.add_null();
  builder.add_value("");
  builder.add_value(std::string_view("x\0y", 3));
  Result result(std::move(builder).finish(0));
  ASSERT_EQ(result.size(), 2u);
  ASSERT_EQ(result.column_count(), 2u);
  EXPECT_EQ(result[0][0].text(), "1");
  EXPECT_TRUE(result[0][1].is_null());
  EXPECT_FALSE(result[1][0].is_null());
  EXPECT_EQ(result[1][0].text(), "");
  EXPECT_EQ(result[1][1].text(), std::string_view("x\0y", 3));
  EXPECT_EQ(result.affected_rows(), 0);
}

TEST(MysqlResult, CommandResultHasNoRowsButAffectedRows) {
  Result result(MysqlResultBuilder({}).finish(42));
  EXPECT_EQ(result.size(), 0u);
  EXPECT_EQ(result.column_count(), 0u);
  EXPECT_EQ(result.affected_rows(), 42);
}

TEST(MysqlResult, OutOfRangeCellsThrow) {
  MysqlResultBuilder builder({"a"});
  builder.add_value("1");
  auto data = std::move(builder).finish(0);
  EXPECT_THROW(data->value(1, 0), std::out_of_range);
  EXPECT_THROW(data->is_null(0, 1), std::out_of_range);
  EXPECT_THROW(data->column_name(1), std::out_of_range);
}

}  // namespace
}  // namespace awrap::internal::mysql
