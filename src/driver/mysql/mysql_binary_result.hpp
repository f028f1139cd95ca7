// Reads the rows of an executed prepared statement (binary protocol) into a MysqlResult, each
// value converted to the text the text protocol would have sent: integers in decimal, FLOAT and
// DOUBLE in their shortest round-trip form, DATE as YYYY-MM-DD, DATETIME/TIMESTAMP as
// 'YYYY-MM-DD HH:MM:SS[.ffffff]' (as many fraction digits as the column declares), TIME as
// '[-]HH:MM:SS[.ffffff]', DECIMAL, strings and blobs byte for byte.
#pragma once

#include <cstdint>
#include <memory>

#include <mysql.h>

#include "driver/mysql/mysql_result.hpp"

namespace awrap::internal::mysql {

// REQUIRES: stmt executed and its rows buffered with mysql_stmt_store_result after
// STMT_ATTR_UPDATE_MAX_LENGTH was set (so the buffers can be sized exactly). Does no network I/O.
// Returns false (leaving the error on stmt) when Connector/C fails to fetch a row.
bool read_binary_rows(MYSQL_STMT* stmt, std::int64_t affected_rows,
                      std::shared_ptr<const MysqlResult>& result);

}  // namespace awrap::internal::mysql
