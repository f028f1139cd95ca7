#include "driver/mysql/mysql_param_binding.hpp"

#include <charconv>
#include <cstring>
#include <string>

namespace awrap::internal::mysql {
namespace {

void bind_text(MYSQL_BIND& bind, const std::string& text) {
  bind.buffer_type = MYSQL_TYPE_STRING;
  // Connector/C only reads input buffers.
  bind.buffer = const_cast<char*>(text.data());
  bind.buffer_length = text.size();
}

}  // namespace

ParamBinding::ParamBinding(std::span<const Param> params)
    : binds_(params.size()), numbers_(params.size()) {
  for (std::size_t i = 0; i < params.size(); ++i) {
    const Param& param = params[i];
    MYSQL_BIND& bind = binds_[i];
    std::memset(&bind, 0, sizeof bind);
    Number& number = numbers_[i];
    const std::string& text = param.text();
    const char* first = text.data();
    const char* last = text.data() + text.size();
    switch (param.kind()) {
      case Param::Kind::kNull:
        bind.buffer_type = MYSQL_TYPE_NULL;
        break;
      case Param::Kind::kBool:
        number.tiny = text == "true" ? 1 : 0;
        bind.buffer_type = MYSQL_TYPE_TINY;
        bind.buffer = &number.tiny;
        break;
      case Param::Kind::kInteger: {
        bind.buffer_type = MYSQL_TYPE_LONGLONG;
        bind.buffer = &number.integer;
        auto [end, ec] = std::from_chars(first, last, number.integer);
        if (ec == std::errc() && end == last) break;
        auto [uend, uec] = std::from_chars(first, last, number.unsigned_integer);
        if (uec == std::errc() && uend == last) {
          bind.is_unsigned = 1;
          break;
        }
        bind_text(bind, text);  // not a number after all: let the server convert
        break;
      }
      case Param::Kind::kDouble: {
        auto [end, ec] = std::from_chars(first, last, number.real);
        if (ec == std::errc() && end == last) {
          bind.buffer_type = MYSQL_TYPE_DOUBLE;
          bind.buffer = &number.real;
        } else {
          bind_text(bind, text);
        }
        break;
      }
      case Param::Kind::kText:
        bind_text(bind, text);
        break;
    }
  }
}

}  // namespace awrap::internal::mysql
