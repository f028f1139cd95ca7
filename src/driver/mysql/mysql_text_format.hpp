// Text forms of binary-protocol values, as the MariaDB/MySQL server writes them in the text
// protocol, so a value reads the same whether it came from a plain or a prepared statement.
//
//   format_double(1e20) == "1e20";  format_double(1e-7) == "0.0000001"
//   format_float(0.33333334f) == "0.333333"
#pragma once

#include <string>

namespace awrap::internal::mysql {

// The server's my_gcvt rule: the shortest digits that read back as the same double, written in
// fixed notation unless the decimal exponent is far out (below 1e-15, or above 1e15 with fewer
// digits than places). DOUBLE columns and double expressions.
std::string format_double(double value);

// FLOAT columns: the server prints 6 significant digits (FLT_DIG), trailing zeros dropped, with
// the same notation rule.
std::string format_float(float value);

// MYSQL_TIME parts to text. fraction_digits: the column's declared precision (0-6); a larger
// value (expressions of unknown precision) prints 6 digits when there is a fraction, else none.
std::string format_date(unsigned int year, unsigned int month, unsigned int day);
std::string format_datetime(unsigned int year, unsigned int month, unsigned int day,
                            unsigned int hour, unsigned int minute, unsigned int second,
                            unsigned long microseconds, unsigned int fraction_digits);
std::string format_time(bool negative, unsigned long hours, unsigned int minute,
                        unsigned int second, unsigned long microseconds,
                        unsigned int fraction_digits);

}  // namespace awrap::internal::mysql
