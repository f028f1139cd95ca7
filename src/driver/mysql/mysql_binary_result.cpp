#include "driver/mysql/mysql_binary_result.hpp"

#include "driver/mysql/mysql_text_format.hpp"

#include <cstring>
#include <string>
#include <vector>

namespace awrap::internal::mysql {
namespace {

struct FreeResult {
  void operator()(MYSQL_RES* result) const noexcept { mysql_free_result(result); }
};

enum class ValueShape { kNull, kInteger, kFloat, kDouble, kTemporal, kBytes };

ValueShape shape_of(enum_field_types type) {
  switch (type) {
    case MYSQL_TYPE_NULL:
      return ValueShape::kNull;
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_YEAR:
      return ValueShape::kInteger;
    case MYSQL_TYPE_FLOAT:
      return ValueShape::kFloat;
    case MYSQL_TYPE_DOUBLE:
      return ValueShape::kDouble;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_DATETIME2:
    case MYSQL_TYPE_TIMESTAMP:
    case MYSQL_TYPE_TIMESTAMP2:
    case MYSQL_TYPE_TIME:
    case MYSQL_TYPE_TIME2:
      return ValueShape::kTemporal;
    default:  // DECIMAL (sent as text), strings, blobs, BIT, ENUM, SET, JSON, GEOMETRY
      return ValueShape::kBytes;
  }
}

// One output column: the bind Connector/C writes into and the storage behind it.
struct Column {
  ValueShape shape = ValueShape::kBytes;
  enum_field_types type = MYSQL_TYPE_NULL;
  unsigned int decimals = 0;
  union {
    long long integer;
    float real32;
    double real64;
  } number{};
  MYSQL_TIME time{};
  std::vector<char> bytes;
  unsigned long length = 0;
  my_bool is_null = 0;
  my_bool error = 0;
};

std::string temporal_text(const Column& column) {
  const MYSQL_TIME& t = column.time;
  switch (column.type) {
    case MYSQL_TYPE_TIME:
    case MYSQL_TYPE_TIME2:
      // Connector/C folds days into hours already; keep any days it left, to be safe.
      return format_time(t.neg != 0, static_cast<unsigned long>(t.day) * 24 + t.hour, t.minute,
                         t.second, t.second_part, column.decimals);
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
      return format_date(t.year, t.month, t.day);
    default:
      return format_datetime(t.year, t.month, t.day, t.hour, t.minute, t.second, t.second_part,
                             column.decimals);
  }
}

std::string integer_text(long long value, bool is_unsigned) {
  return is_unsigned ? std::to_string(static_cast<unsigned long long>(value))
                     : std::to_string(value);
}

}  // namespace

bool read_binary_rows(MYSQL_STMT* stmt, std::int64_t affected_rows,
                      std::shared_ptr<const MysqlResult>& result) {
  std::unique_ptr<MYSQL_RES, FreeResult> metadata(mysql_stmt_result_metadata(stmt));
  const unsigned int column_count = mysql_stmt_field_count(stmt);
  if (!metadata || column_count == 0) {
    result = MysqlResultBuilder({}).finish(affected_rows);
    return true;
  }
  MYSQL_FIELD* fields = mysql_fetch_fields(metadata.get());

  std::vector<std::string> names;
  std::vector<Column> columns(column_count);
  std::vector<MYSQL_BIND> binds(column_count);
  for (unsigned int i = 0; i < column_count; ++i) {
    const MYSQL_FIELD& field = fields[i];
    names.emplace_back(field.name, field.name_length);
    Column& column = columns[i];
    column.type = field.type;
    column.shape = shape_of(field.type);
    column.decimals = field.decimals;
    MYSQL_BIND& bind = binds[i];
    std::memset(&bind, 0, sizeof bind);
    bind.is_null = &column.is_null;
    bind.length = &column.length;
    bind.error = &column.error;
    switch (column.shape) {
      case ValueShape::kNull:
        bind.buffer_type = MYSQL_TYPE_NULL;
        break;
      case ValueShape::kInteger:
        bind.buffer_type = MYSQL_TYPE_LONGLONG;
        bind.buffer = &column.number.integer;
        bind.is_unsigned = (field.flags & UNSIGNED_FLAG) ? 1 : 0;
        break;
      case ValueShape::kFloat:
        bind.buffer_type = MYSQL_TYPE_FLOAT;
        bind.buffer = &column.number.real32;
        break;
      case ValueShape::kDouble:
        bind.buffer_type = MYSQL_TYPE_DOUBLE;
        bind.buffer = &column.number.real64;
        break;
      case ValueShape::kTemporal:
        bind.buffer_type = field.type;
        bind.buffer = &column.time;
        bind.buffer_length = sizeof column.time;
        break;
      case ValueShape::kBytes:
        // max_length is the longest value in the buffered rows (STMT_ATTR_UPDATE_MAX_LENGTH).
        column.bytes.resize(static_cast<std::size_t>(field.max_length) + 1);
        bind.buffer_type = MYSQL_TYPE_BLOB;
        bind.buffer = column.bytes.data();
        bind.buffer_length = column.bytes.size();
        break;
    }
  }
  if (mysql_stmt_bind_result(stmt, binds.data()) != 0) return false;

  MysqlResultBuilder builder(std::move(names));
  builder.set_column_types(fields, column_count);
  for (;;) {
    const int rc = mysql_stmt_fetch(stmt);
    if (rc == MYSQL_NO_DATA) break;
    if (rc == 1) return false;
    for (unsigned int i = 0; i < column_count; ++i) {
      Column& column = columns[i];
      if (column.is_null || column.shape == ValueShape::kNull) {
        builder.add_null();
        continue;
      }
      switch (column.shape) {
        case ValueShape::kNull:
          break;
        case ValueShape::kInteger:
          builder.add_value(integer_text(column.number.integer, binds[i].is_unsigned != 0));
          break;
        case ValueShape::kFloat:
          builder.add_value(format_float(column.number.real32));
          break;
        case ValueShape::kDouble:
          builder.add_value(format_double(column.number.real64));
          break;
        case ValueShape::kTemporal:
          builder.add_value(temporal_text(column));
          break;
        case ValueShape::kBytes:
          if (column.length > binds[i].buffer_length) {
            // Longer than max_length promised (should not happen): fetch the whole value.
            std::vector<char> whole(column.length);
            MYSQL_BIND refetch{};
            refetch.buffer_type = MYSQL_TYPE_BLOB;
            refetch.buffer = whole.data();
            refetch.buffer_length = whole.size();
            if (mysql_stmt_fetch_column(stmt, &refetch, i, 0) != 0) return false;
            builder.add_value(std::string_view(whole.data(), whole.size()));
          } else {
            builder.add_value(std::string_view(column.bytes.data(), column.length));
          }
          break;
      }
    }
  }
  result = std::move(builder).finish(affected_rows);
  return true;
}

}  // namespace awrap::internal::mysql
