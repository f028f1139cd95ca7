// The `awrap` command-line program.
#include <CLI/CLI.hpp>
#include <iostream>

#include "core/property_docs.hpp"
#include "iam_token_command.hpp"
#include "query_command.hpp"

namespace {

class HelpWithProperties : public CLI::Formatter {
 public:
  std::string make_help(const CLI::App* app, std::string name,
                        CLI::AppFormatMode mode) const override {
    std::string base = CLI::Formatter::make_help(app, name, mode);
    if (app->get_parent() == nullptr) base += "\n" + awrap::internal::render_properties_help();
    return base;
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"awrap: high-availability client for PostgreSQL and MySQL/MariaDB clusters"};
  app.formatter(std::make_shared<HelpWithProperties>());
  app.require_subcommand(1);
  int exit_code = 0;
  awrap::internal::cli::add_query_command(app, exit_code);
  awrap::internal::cli::add_iam_token_command(app, exit_code);
  app.add_subcommand("config-reference",
                     "Print docs/configuration.md (generated from the registry)")
      ->callback([] { std::cout << awrap::internal::render_configuration_markdown(); });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
