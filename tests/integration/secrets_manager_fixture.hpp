// Shared by the Secrets Manager integration tests (secrets_manager_test.cpp on the lab's single
// servers, failover_secrets_manager_test.cpp on a cluster of its own): a local HTTPS Secrets
// Manager (tests/support/aws_endpoint_server.py, every SigV4 signature checked with botocore),
// the AWS environment pointing at it, and helpers for roles, users and secrets.
//
// Roles and users are named sm_<pid>_..., so concurrent runs on the shared servers never meet.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "awrap/awrap.hpp"
#include "support/aws_endpoint_server.hpp"
#include "support/log_capture.hpp"
#include "support/test_env.hpp"

namespace awrap::internal::secrets_manager_test {

using awrap::internal::testing::AwsEndpointServer;
using namespace std::chrono_literals;
using awrap::internal::testing::LogCapture;

inline constexpr const char* kAccessKeyId = "AKIASECRETSMANAGERIT";
inline constexpr const char* kSecretAccessKey = "sm/integration+secret-access-key";

inline std::string unique(std::string_view what) {
  return "sm_" + std::to_string(::getpid()) + "_" + std::string(what);
}

inline std::string secret_json(const std::string& user, const std::string& password) {
  return nlohmann::json{{"username", user}, {"password", password}, {"engine", "postgres"}}.dump();
}

class SecretsManagerIntegration : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = AwsEndpointServer::start().release();
    server_->configure(
        {{"known_keys", {{kAccessKeyId, {{"secret", kSecretAccessKey}}}}}, {"secrets", {}}});
    // Before any awrap thread exists (setenv is not thread-safe): the credential chain and the
    // HTTPS client read the process environment.
    for (const char* name : {"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL",
                             "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_DEFAULT_REGION"}) {
      ::unsetenv(name);
    }
    ::setenv("AWS_ACCESS_KEY_ID", kAccessKeyId, 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", kSecretAccessKey, 1);
    ::setenv("AWS_REGION", "us-east-1", 1);
    ::setenv("AWS_CA_BUNDLE", server_->ca_bundle().c_str(), 1);
    ::setenv("AWS_CONFIG_FILE", "/nonexistent/awrap/config", 1);
    ::setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/awrap/credentials", 1);
    ::setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
  }
  static void TearDownTestSuite() {
    delete server_;  // NOLINT: owned for the suite's lifetime
    server_ = nullptr;
  }
  void SetUp() override { server_->reset_requests(); }

  void serve(const std::string& secret_id, const std::string& secret_string) {
    secrets_[secret_id] = secret_string;
    server_->configure({{"secrets", secrets_}});
  }
  PropertyMap properties(const std::string& secret_id,
                         std::string plugins = "aws_secrets_manager") {
    return {{"wrapper_plugins", plugins},
            {"secrets_manager_secret_id", secret_id},
            {"secrets_manager_endpoint", server_->url("/")}};
  }
  int get_secret_value_requests() {
    int n = 0;
    for (const auto& request : server_->requests()) {
      if (request["operation"] == "GetSecretValue") {
        EXPECT_TRUE(request["signature_valid"].get<bool>()) << request.dump();
        ++n;
      }
    }
    return n;
  }

  // The application's connection strings: the user and password in them are wrong on purpose.
  static std::string pg_app_conninfo() {
    return "host=127.0.0.40 port=5432 dbname=awrap user=sm_nobody password=wrong connect_timeout=5";
  }
  static std::string mariadb_app_conninfo() {
    return "mysql://sm_nobody:wrong@127.0.0.41:3306/awrap";
  }
  static Connection pg_admin() {
    return Connection::open(awrap::internal::testing::pg_conninfo(), {{"wrapper_plugins", ""}});
  }
  static Connection mariadb_admin() {
    return Connection::open(awrap::internal::testing::mariadb_conninfo(),
                            {{"wrapper_plugins", ""}});
  }
  static void create_pg_role(const std::string& role, const std::string& password) {
    Connection admin = pg_admin();
    admin.execute("DROP ROLE IF EXISTS " + role);
    admin.execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "'");
  }
  static void drop_pg_role(const std::string& role) {
    pg_admin().execute("DROP ROLE IF EXISTS " + role);
  }
  static void create_mariadb_user(const std::string& user, const std::string& password) {
    Connection admin = mariadb_admin();
    admin.execute("DROP USER IF EXISTS '" + user + "'@'%'");
    admin.execute("CREATE USER '" + user + "'@'%' IDENTIFIED BY '" + password + "'");
    admin.execute("GRANT SELECT ON awrap.* TO '" + user + "'@'%'");
  }
  static void drop_mariadb_user(const std::string& user) {
    mariadb_admin().execute("DROP USER IF EXISTS '" + user + "'@'%'");
  }

  inline static AwsEndpointServer* server_ = nullptr;
  nlohmann::json secrets_ = nlohmann::json::object();
};

}  // namespace awrap::internal::secrets_manager_test
