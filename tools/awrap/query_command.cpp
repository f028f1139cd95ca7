#include "query_command.hpp"

#include <iostream>
#include <memory>

#include "awrap/awrap.hpp"
#include "core/property_docs.hpp"
#include "table_printer.hpp"

namespace awrap::internal::cli {
namespace {

struct QueryOptions {
  std::string conninfo;
  std::vector<std::string> sql;
  std::vector<std::string> settings;
  bool verbose = false;
};

int run_query(const QueryOptions& opts) {
  PropertyMap props;
  for (const auto& s : opts.settings) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "awrap: --set expects name=value, got '" << mask_secrets(s) << "'\n";
      return 2;
    }
    props[s.substr(0, eq)] = s.substr(eq + 1);
  }
  if (opts.verbose) set_log_level(LogLevel::kDebug);
  try {
    auto conn = Connection::open(opts.conninfo, props);
    for (const auto& sql : opts.sql) {
      Result r = conn.execute(sql);
      print_result(std::cout, r);
    }
    return 0;
  } catch (const Error& e) {
    std::cerr << "awrap: " << error_class_name(e);
    if (!e.sqlstate().empty()) std::cerr << " [SQLSTATE " << e.sqlstate() << "]";
    if (e.native_code() != 0) std::cerr << " [code " << e.native_code() << "]";
    if (!e.host().empty()) std::cerr << " on " << e.host();
    std::cerr << ": " << e.what() << "\n";
    return dynamic_cast<const ConfigError*>(&e) ? 2 : 1;
  }
}

}  // namespace

void add_query_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<QueryOptions>();
  auto* cmd = app.add_subcommand("query", "Run SQL through awrap and print the result");
  cmd->add_option("conninfo", opts->conninfo, "postgresql://…, mysql://… or 'host=… dbname=…'")
      ->required();
  cmd->add_option("sql", opts->sql, "statement(s) to run in order")->required();
  cmd->add_option("--set", opts->settings, "property name=value (repeatable; see awrap --help)");
  cmd->add_flag("-v,--verbose", opts->verbose, "log at debug level to stderr");
  cmd->callback([opts, &exit_code] { exit_code = run_query(*opts); });
}

}  // namespace awrap::internal::cli
