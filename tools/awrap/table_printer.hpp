// Prints a Result as an aligned text table, like psql.
#pragma once

#include <ostream>

#include "awrap/result.hpp"

namespace awrap::cli {

void print_result(std::ostream& out, const Result& result);

}  // namespace awrap::cli
