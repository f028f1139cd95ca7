// `awrap iam-token --host H --port P --user U [--region R] [--expires S] [--at T] [--profile P]`:
// prints an RDS IAM authentication token, as `aws rds generate-db-auth-token` does, with
// credentials from the default AWS chain (docs/iam.md).
//
//   export PGPASSWORD="$(awrap iam-token --host mydb.c1abc.us-east-1.rds.amazonaws.com
//                        --port 5432 --user iam_user)"   (one line in a shell)
#pragma once

#include <CLI/CLI.hpp>

namespace awrap::internal::cli {

// Sets exit_code to 0 on success, 1 when no token could be made (the reason on stderr).
void add_iam_token_command(CLI::App& app, int& exit_code);
// Same; a failure ends parsing with CLI::RuntimeError(1) (app.exit(e) returns 1).
void add_iam_token_command(CLI::App& app);

}  // namespace awrap::internal::cli
