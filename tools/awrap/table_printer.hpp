// Prints a Result as an aligned text table, like psql.
#pragma once

#include <ostream>

#include "awrap/result.hpp"

namespace awrap::internal::cli {

void print_result(std::ostream& out, const Result& result);

}  // namespace awrap::internal::cli
