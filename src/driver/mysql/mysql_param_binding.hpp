// Statement parameters bound for the binary protocol (mysql_stmt_bind_param).
//
//   ParamBinding binding(params);
//   mysql_stmt_bind_param(stmt, binding.binds());
//
// Each Param is bound by its Kind: bool as TINY 1/0 (MySQL has no boolean), integer as LONGLONG
// (UNSIGNED when above INT64_MAX), double as DOUBLE, text as STRING, null as NULL. Text values
// point into the Params: REQUIRES that params outlive the binding's use.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <mysql.h>

#include "awrap/params.hpp"

namespace awrap::internal::mysql {

class ParamBinding {
 public:
  explicit ParamBinding(std::span<const Param> params);
  ParamBinding(const ParamBinding&) = delete;
  ParamBinding& operator=(const ParamBinding&) = delete;

  // nullptr when there are no parameters.
  MYSQL_BIND* binds() noexcept { return binds_.empty() ? nullptr : binds_.data(); }

 private:
  // One slot per parameter, sized up front so the binds' buffer pointers stay valid.
  union Number {
    signed char tiny;
    long long integer;
    unsigned long long unsigned_integer;
    double real;
  };
  std::vector<MYSQL_BIND> binds_;
  std::vector<Number> numbers_;
};

}  // namespace awrap::internal::mysql
