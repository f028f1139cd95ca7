#include "py_result.hpp"

#include <charconv>
#include <string>

namespace awrap::python {
namespace {

// PostgreSQL type OIDs handled in C++ (pg_type.dat).
enum PgOid : std::uint32_t {
  kPgBool = 16,
  kPgBytea = 17,
  kPgInt8 = 20,
  kPgInt2 = 21,
  kPgInt4 = 23,
  kPgOid = 26,
  kPgXid = 28,
  kPgCid = 29,
  kPgFloat4 = 700,
  kPgFloat8 = 701,
};

// MySQL enum_field_types handled in C++ (mysql_com.h).
enum MysqlType : std::uint32_t {
  kMyTiny = 1,
  kMyShort = 2,
  kMyLong = 3,
  kMyFloat = 4,
  kMyDouble = 5,
  kMyLongLong = 8,
  kMyInt24 = 9,
  kMyYear = 13,
  kMyBit = 16,
  kMyVarchar = 15,
  kMyTinyBlob = 249,
  kMyMediumBlob = 250,
  kMyLongBlob = 251,
  kMyBlob = 252,
  kMyVarString = 253,
  kMyString = 254,
};

ColumnPlan plan_for(const ColumnType& type, bool mysql) {
  ColumnPlan plan;
  if (!type.known) return plan;
  const py::dict& table = mysql ? converters().mysql : converters().pg;
  const py::int_ code(type.native_type);
  if (table.contains(code)) {
    plan.kind = ValueKind::kConverter;
    plan.converter = table[code];
    // MySQL reports numbers and dates with the binary character set too; only BIT is bytes.
    plan.converter_takes_bytes = mysql && type.native_type == kMyBit;
    return plan;
  }
  if (!mysql) {
    switch (type.native_type) {
      case kPgBool:
        plan.kind = ValueKind::kBool;
        break;
      case kPgBytea:
        plan.kind = ValueKind::kBytesHex;
        break;
      case kPgInt8:
      case kPgInt2:
      case kPgInt4:
      case kPgOid:
      case kPgXid:
      case kPgCid:
        plan.kind = ValueKind::kInt;
        break;
      case kPgFloat4:
      case kPgFloat8:
        plan.kind = ValueKind::kFloat;
        break;
      default:
        break;
    }
    return plan;
  }
  switch (type.native_type) {
    case kMyTiny:
    case kMyShort:
    case kMyLong:
    case kMyLongLong:
    case kMyInt24:
    case kMyYear:
      plan.kind = ValueKind::kInt;
      break;
    case kMyFloat:
    case kMyDouble:
      plan.kind = ValueKind::kFloat;
      break;
    case kMyVarchar:
    case kMyTinyBlob:
    case kMyMediumBlob:
    case kMyLongBlob:
    case kMyBlob:
    case kMyVarString:
    case kMyString:
      plan.kind = type.binary ? ValueKind::kBytesRaw : ValueKind::kText;
      break;
    default:
      break;
  }
  return plan;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// PostgreSQL's bytea hex output: \x followed by two hex digits per byte.
py::object bytes_from_hex(std::string_view text) {
  if (!text.starts_with("\\x")) return py::bytes(text.data(), text.size());
  text.remove_prefix(2);
  std::string out(text.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int high = hex_digit(text[2 * i]);
    const int low = hex_digit(text[2 * i + 1]);
    if (high < 0 || low < 0) throw py::value_error("malformed bytea value from the server");
    out[i] = static_cast<char>(high * 16 + low);
  }
  return py::bytes(out);
}

py::object int_from_text(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc() && end == text.data() + text.size())
    return py::reinterpret_steal<py::object>(PyLong_FromLongLong(value));
  // Beyond 64 bits (unsigned BIGINT, numeric-sized oids): Python parses any size.
  const std::string copy(text);
  PyObject* parsed = PyLong_FromString(copy.c_str(), nullptr, 10);
  if (parsed == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(parsed);
}

py::object float_from_text(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc() && end == text.data() + text.size())
    return py::reinterpret_steal<py::object>(PyFloat_FromDouble(value));
  // "Infinity", "-Infinity", "NaN" and anything from_chars refuses: Python's own parser.
  py::str as_text(text.data(), text.size());
  PyObject* parsed = PyFloat_FromString(as_text.ptr());
  if (parsed == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(parsed);
}

py::object text_value(std::string_view text) {
  PyObject* decoded =
      PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "replace");
  if (decoded == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(decoded);
}

}  // namespace

Converters& converters() {
  // Leaked on purpose: the dicts must outlive the interpreter's teardown of module globals.
  static Converters* instance = new Converters();  // NOLINT: lives as long as the process
  return *instance;
}

PyResult::PyResult(Result result, bool mysql) : result_(std::move(result)) {
  const std::size_t columns = result_.column_count();
  plans_.reserve(columns);
  for (std::size_t c = 0; c < columns; ++c)
    plans_.push_back(plan_for(result_.column_type(c), mysql));
}

std::int64_t PyResult::rowcount() const noexcept {
  if (!plans_.empty()) return static_cast<std::int64_t>(result_.size());
  return result_.affected_rows();
}

py::list PyResult::columns() const {
  py::list out;
  for (std::size_t c = 0; c < plans_.size(); ++c) {
    const ColumnType type = result_.column_type(c);
    const std::string_view name = result_.column_name(c);
    out.append(py::make_tuple(text_value(name),
                              type.known ? py::int_(type.native_type) : py::int_(0), type.modifier,
                              type.binary));
  }
  return out;
}

py::object PyResult::value(std::size_t row, std::size_t column) const {
  const ResultData& data = *result_.data();
  if (data.is_null(row, column)) return py::none();
  const std::string_view text = data.value(row, column);
  const ColumnPlan& plan = plans_[column];
  switch (plan.kind) {
    case ValueKind::kText:
      return text_value(text);
    case ValueKind::kInt:
      return int_from_text(text);
    case ValueKind::kFloat:
      return float_from_text(text);
    case ValueKind::kBool:
      return py::bool_(text == "t" || text == "true" || text == "1");
    case ValueKind::kBytesHex:
      return bytes_from_hex(text);
    case ValueKind::kBytesRaw:
      return py::bytes(text.data(), text.size());
    case ValueKind::kConverter:
      if (plan.converter_takes_bytes) return plan.converter(py::bytes(text.data(), text.size()));
      return plan.converter(text_value(text));
  }
  return py::none();
}

py::tuple PyResult::row(std::size_t index) const {
  if (index >= result_.size())
    throw py::index_error("row " + std::to_string(index) + " does not exist");
  const std::size_t columns = plans_.size();
  py::tuple out(columns);
  for (std::size_t c = 0; c < columns; ++c) {
    py::object v = value(index, c);
    PyTuple_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(c), v.release().ptr());
  }
  return out;
}

py::list PyResult::rows(std::size_t start, std::size_t stop) const {
  stop = std::min(stop, result_.size());
  start = std::min(start, stop);
  py::list out(stop - start);
  for (std::size_t r = start; r < stop; ++r) {
    py::tuple t = row(r);
    PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(r - start), t.release().ptr());
  }
  return out;
}

}  // namespace awrap::python
