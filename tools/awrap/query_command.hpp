// `awrap query <conninfo> "<sql>" [--set name=value ...]`: runs one statement through awrap and
// prints the rows as a table, or the error with its class, SQLSTATE and host.
#pragma once

#include <CLI/CLI.hpp>

namespace awrap::internal::cli {

void add_query_command(CLI::App& app, int& exit_code);

}  // namespace awrap::internal::cli
