#include "driver/mysql/mysql_text_format.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace awrap::internal::mysql {
namespace {

// Expected strings are what MariaDB 10.11 sends in the text protocol for the same values.
TEST(MysqlTextFormat, DoublesFollowTheServerNotation) {
  EXPECT_EQ(format_double(0.0), "0");
  EXPECT_EQ(format_double(1.5), "1.5");
  EXPECT_EQ(format_double(-42.0), "-42");
  EXPECT_EQ(format_double(0.1), "0.1");
  EXPECT_EQ(format_double(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(format_double(1e20), "1e20");
  EXPECT_EQ(format_double(1e15), "1e15");
  EXPECT_EQ(format_double(1e14), "100000000000000");
  EXPECT_EQ(format_double(1.5e300), "1.5e300");
  EXPECT_EQ(format_double(1e-5), "0.00001");
  EXPECT_EQ(format_double(1e-7), "0.0000001");
  EXPECT_EQ(format_double(1e-15), "0.000000000000001");
  EXPECT_EQ(format_double(1e-16), "1e-16");
  EXPECT_EQ(format_double(-2.5e-10), "-0.00000000025");
  EXPECT_EQ(format_double(123456.789), "123456.789");
  EXPECT_EQ(format_double(123456789012345680000.0), "1.2345678901234568e20");
  EXPECT_EQ(format_double(1234567890123456.7), "1234567890123456.8");
  EXPECT_EQ(format_double(1.2345678901234567e-5), "0.000012345678901234568");
}

TEST(MysqlTextFormat, FloatsHaveSixSignificantDigits) {
  EXPECT_EQ(format_float(0.25f), "0.25");
  EXPECT_EQ(format_float(1.1f), "1.1");
  EXPECT_EQ(format_float(0.33333334f), "0.333333");
  EXPECT_EQ(format_float(1234567.0f), "1234570");
  EXPECT_EQ(format_float(3.4e38f), "3.4e38");
  EXPECT_EQ(format_float(1e-15f), "0.000000000000001");
  EXPECT_EQ(format_float(1e7f), "10000000");
  EXPECT_EQ(format_float(0.000123456f), "0.000123456");
  EXPECT_EQ(format_float(0.0f), "0");
}

TEST(MysqlTextFormat, NonFiniteValuesDoNotCrash) {
  EXPECT_EQ(format_double(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(format_double(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(format_double(std::numeric_limits<double>::quiet_NaN()), "nan");
}

TEST(MysqlTextFormat, DatesAndTimes) {
  EXPECT_EQ(format_date(2024, 2, 29), "2024-02-29");
  EXPECT_EQ(format_date(0, 0, 0), "0000-00-00");
  EXPECT_EQ(format_datetime(2024, 2, 29, 23, 59, 58, 0, 0), "2024-02-29 23:59:58");
  EXPECT_EQ(format_datetime(2024, 2, 29, 23, 59, 58, 123456, 6), "2024-02-29 23:59:58.123456");
  EXPECT_EQ(format_datetime(2024, 2, 29, 23, 59, 58, 120000, 3), "2024-02-29 23:59:58.120");
  EXPECT_EQ(format_datetime(2024, 1, 2, 3, 4, 5, 0, 3), "2024-01-02 03:04:05.000");
  // Unknown precision (expressions): microseconds only when there are some.
  EXPECT_EQ(format_datetime(2024, 1, 2, 3, 4, 5, 0, 39), "2024-01-02 03:04:05");
  EXPECT_EQ(format_datetime(2024, 1, 2, 3, 4, 5, 7, 39), "2024-01-02 03:04:05.000007");
  EXPECT_EQ(format_time(true, 838, 59, 59, 0, 0), "-838:59:59");
  EXPECT_EQ(format_time(false, 1, 2, 3, 450000, 2), "01:02:03.45");
}

}  // namespace
}  // namespace awrap::internal::mysql
