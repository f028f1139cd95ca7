// The `awrap iam-token` command, compiled from the CLI's own source so it is tested without the
// rest of the CLI.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "iam_token_command.hpp"

namespace {

// Replaces the process's AWS environment for one test and restores it after.
class ScopedAwsEnvironment {
 public:
  explicit ScopedAwsEnvironment(std::vector<std::pair<std::string, std::string>> variables) {
    for (const char* name :
         {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
          "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE",
          "AWS_EC2_METADATA_DISABLED", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
          "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"}) {
      if (const char* old = std::getenv(name))
        saved_.emplace_back(name, old);
      else
        unset_.emplace_back(name);
      ::unsetenv(name);
    }
    variables.emplace_back("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/awrap/credentials");
    variables.emplace_back("AWS_CONFIG_FILE", "/nonexistent/awrap/config");
    variables.emplace_back("AWS_EC2_METADATA_DISABLED", "true");
    for (const auto& [name, value] : variables) ::setenv(name.c_str(), value.c_str(), 0);
  }
  ~ScopedAwsEnvironment() {
    for (const auto& name : unset_) ::unsetenv(name.c_str());
    for (const auto& [name, value] : saved_) ::setenv(name.c_str(), value.c_str(), 1);
  }

 private:
  std::vector<std::pair<std::string, std::string>> saved_;
  std::vector<std::string> unset_;
};

struct CommandRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

CommandRun run_command(std::vector<std::string> args) {
  CLI::App app;
  int exit_code = -1;
  awrap::internal::cli::add_iam_token_command(app, exit_code);
  std::vector<const char*> argv{"awrap", "iam-token"};
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  auto* old_out = std::cout.rdbuf(out.rdbuf());
  auto* old_err = std::cerr.rdbuf(err.rdbuf());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    exit_code = 100 + e.get_exit_code();
  }
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  return {exit_code, out.str(), err.str()};
}

TEST(IamTokenCommand, PrintsBotocoresTokenForAFixedTime) {
  ScopedAwsEnvironment env({{"AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"},
                            {"AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}});
  CommandRun run = run_command({"--host", "mydb.c1abcdefghij.us-east-1.rds.amazonaws.com", "--port",
                                "5432", "--user", "iam_user", "--at", "20240115T103000Z"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  // pg-us-east-1-basic in tests/data/sigv4/rds_iam_tokens.json
  EXPECT_EQ(run.out,
            "mydb.c1abcdefghij.us-east-1.rds.amazonaws.com:5432/?Action=connect&DBUser=iam_user&"
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240115%2F"
            "us-east-1%2Frds-db%2Faws4_request&X-Amz-Date=20240115T103000Z&X-Amz-Expires=900&"
            "X-Amz-SignedHeaders=host&X-Amz-Signature="
            "646da0a6012c6a9735a5e683a74f648c8f9e53c28cfa0da709928e27f0b1002b\n");
}

TEST(IamTokenCommand, NoRegionOrNoCredentialsFailsWithAReason) {
  {
    ScopedAwsEnvironment env({{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "s"}});
    CommandRun run = run_command({"--host", "db.local", "--port", "5432", "--user", "u"});
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_NE(run.err.find("--region"), std::string::npos) << run.err;
    EXPECT_TRUE(run.out.empty());
  }
  {
    ScopedAwsEnvironment env({});
    CommandRun run = run_command(
        {"--host", "db.local", "--port", "5432", "--user", "u", "--region", "eu-west-1"});
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_NE(run.err.find("no AWS credentials found"), std::string::npos) << run.err;
  }
}

TEST(IamTokenCommand, RejectsBadArguments) {
  ScopedAwsEnvironment env({});
  EXPECT_GE(run_command({"--host", "h", "--user", "u"}).exit_code, 100);  // no --port
  EXPECT_GE(run_command({"--host", "h", "--port", "70000", "--user", "u"}).exit_code, 100);
  EXPECT_GE(
      run_command({"--host", "h", "--port", "1", "--user", "u", "--expires", "901"}).exit_code,
      100);
  CommandRun bad_time = run_command(
      {"--host", "h", "--port", "1", "--user", "u", "--region", "us-east-1", "--at", "yesterday"});
  EXPECT_EQ(bad_time.exit_code, 1);
  EXPECT_NE(bad_time.err.find("YYYYMMDDTHHMMSSZ"), std::string::npos);
}

}  // namespace
