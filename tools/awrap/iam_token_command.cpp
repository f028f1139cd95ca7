#include "iam_token_command.hpp"

#include <iostream>
#include <memory>
#include <optional>

#include "awrap/errors.hpp"
#include "aws/credentials.hpp"
#include "aws/rds_token.hpp"
#include "aws/region.hpp"
#include "aws/sigv4.hpp"

namespace awrap::internal::cli {
namespace {

struct IamTokenOptions {
  std::string host;
  int port = 0;
  std::string user;
  std::string region;
  int expires = 900;
  std::string at;  // YYYYMMDDTHHMMSSZ; empty: now
  std::string profile;
};

int run_iam_token(const IamTokenOptions& options) {
  try {
    auto env = aws::process_environment();
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
    if (!options.at.empty()) {
      auto parsed = aws::parse_amz_date(options.at);
      if (!parsed) {
        throw ConfigError(
            "--at expects YYYYMMDDTHHMMSSZ (UTC), e.g. 20240115T103000Z; got '" + options.at + "'",
            "at");
      }
      now = *parsed;
    }
    aws::RegionSources region_sources;
    region_sources.explicit_region = options.region;
    region_sources.host = options.host;
    region_sources.profile = options.profile;
    region_sources.environment = env;
    region_sources.property_name = "--region";
    std::string region = aws::resolve_region(region_sources);

    aws::CredentialsChainOptions chain_options;
    chain_options.profile = options.profile;
    chain_options.environment = env;
    chain_options.region = region;
    aws::Credentials credentials =
        aws::make_default_credentials_chain(std::move(chain_options))->credentials();
    std::cout << aws::generate_rds_auth_token(options.host, options.port, options.user, region,
                                              credentials, now,
                                              std::chrono::seconds(options.expires))
              << "\n";
    return 0;
  } catch (const Error& error) {
    // awrap errors never carry secrets; say which kind so scripts' logs are useful.
    std::cerr << "awrap iam-token: " << error.what() << "\n";
    return 1;
  }
}

CLI::App* add_command(CLI::App& app, const std::shared_ptr<IamTokenOptions>& options) {
  CLI::App* command = app.add_subcommand(
      "iam-token", "Print an RDS IAM authentication token (as aws rds generate-db-auth-token)");
  command->add_option("--host", options->host, "Database host name to sign (as clients connect)")
      ->required();
  command->add_option("--port", options->port, "Database port")
      ->required()
      ->check(CLI::Range(1, 65535));
  command->add_option("--user", options->user, "IAM database user name")->required();
  command->add_option("--region", options->region,
                      "AWS region; default: from an RDS host name, AWS_REGION, "
                      "AWS_DEFAULT_REGION, the profile's region");
  command->add_option("--expires", options->expires, "Token validity in seconds (RDS: at most 900)")
      ->check(CLI::Range(1, 900));
  command->add_option("--at", options->at,
                      "Signing time YYYYMMDDTHHMMSSZ instead of now (reproducible tokens)");
  command->add_option("--profile", options->profile,
                      "AWS profile for credentials and region; default: AWS_PROFILE, else "
                      "'default'");
  return command;
}

}  // namespace

void add_iam_token_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<IamTokenOptions>();
  add_command(app, options)->callback([options, &exit_code] {
    exit_code = run_iam_token(*options);
  });
}

void add_iam_token_command(CLI::App& app) {
  auto options = std::make_shared<IamTokenOptions>();
  add_command(app, options)->callback([options] {
    if (int code = run_iam_token(*options); code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace awrap::internal::cli
