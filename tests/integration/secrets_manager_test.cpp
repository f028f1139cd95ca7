// The aws_secrets_manager plugin end to end: awrap fetches secrets from a local HTTPS Secrets
// Manager (tests/support/aws_endpoint_server.py, which checks every SigV4 signature with
// botocore) and logs into the lab's PostgreSQL (127.0.0.40) and MariaDB (127.0.0.41) with them;
// rotation mid-run, a rotation in progress, malformed secrets, and no secret in any log line.
//
// Fixture and helpers: secrets_manager_fixture.hpp.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "integration/secrets_manager_fixture.hpp"

namespace awrap::internal::secrets_manager_test {
namespace {

using namespace std::chrono_literals;

TEST_F(SecretsManagerIntegration, PostgresLoginUsesTheSecretAndSharesIt) {
  const std::string role = unique("pg_login");
  const std::string password = "Pg1-" + std::to_string(::getpid()) + "-first";
  create_pg_role(role, password);
  serve(role, secret_json(role, password));
  {
    Connection first = Connection::open(pg_app_conninfo(), properties(role));
    EXPECT_EQ(first.execute("SELECT current_user").scalar<std::string>(), role);
    Connection second = Connection::open(pg_app_conninfo(), properties(role));
    EXPECT_EQ(second.execute("SELECT current_user").scalar<std::string>(), role);
  }
  EXPECT_EQ(get_secret_value_requests(), 1);  // the second connection used the cached secret
  drop_pg_role(role);
}

TEST_F(SecretsManagerIntegration, MariaDbLoginUsesTheSecretByArn) {
  const std::string user = unique("my_login");
  const std::string password = "My1-" + std::to_string(::getpid()) + "-first";
  create_mariadb_user(user, password);
  serve(user, secret_json(user, password));
  // By ARN: the region comes from it (the server answers for any region; the signature is
  // checked for the one in the ARN).
  const std::string arn =
      "arn:aws:secretsmanager:eu-west-3:000000000000:secret:" + user + "-AbCdEf";
  {
    Connection c = Connection::open(mariadb_app_conninfo(), properties(arn));
    std::string current = c.execute("SELECT CURRENT_USER()").scalar<std::string>();
    EXPECT_EQ(current.substr(0, current.find('@')), user);
  }
  EXPECT_EQ(get_secret_value_requests(), 1);
  drop_mariadb_user(user);
}

// The rotation a Secrets Manager rotation function performs, seen from the application: the
// database password and the secret change while the process still caches the old secret.
TEST_F(SecretsManagerIntegration, PostgresRotationCostsOneRefusedLoginAndNoError) {
  const std::string role = unique("pg_rotate");
  const std::string before = "Pg2-" + std::to_string(::getpid()) + "-before";
  const std::string after = "Pg2-" + std::to_string(::getpid()) + "-after";
  create_pg_role(role, before);
  serve(role, secret_json(role, before));
  Connection old_connection = Connection::open(pg_app_conninfo(), properties(role));

  pg_admin().execute("ALTER ROLE " + role + " PASSWORD '" + after + "'");
  serve(role, secret_json(role, after));

  LogCapture log;
  Connection c = Connection::open(pg_app_conninfo(), properties(role));  // must not throw
  EXPECT_EQ(c.execute("SELECT current_user").scalar<std::string>(), role);
  EXPECT_EQ(log.count("refused"), 1);
  EXPECT_EQ(log.count("retrying the login with the new value"), 1);
  EXPECT_EQ(get_secret_value_requests(), 2);
  EXPECT_EQ(old_connection.execute("SELECT 1").scalar<int64_t>(), 1);  // untouched
  old_connection.close();
  c.close();
  drop_pg_role(role);
}

TEST_F(SecretsManagerIntegration, MariaDbRotationCostsOneRefusedLoginAndNoError) {
  const std::string user = unique("my_rotate");
  const std::string before = "My2-" + std::to_string(::getpid()) + "-before";
  const std::string after = "My2-" + std::to_string(::getpid()) + "-after";
  create_mariadb_user(user, before);
  serve(user, secret_json(user, before));
  Connection::open(mariadb_app_conninfo(), properties(user)).close();

  mariadb_admin().execute("ALTER USER '" + user + "'@'%' IDENTIFIED BY '" + after + "'");
  serve(user, secret_json(user, after));

  LogCapture log;
  Connection c = Connection::open(mariadb_app_conninfo(), properties(user));
  EXPECT_EQ(c.execute("SELECT 1").scalar<int64_t>(), 1);
  EXPECT_EQ(log.count("refused"), 1);
  EXPECT_EQ(get_secret_value_requests(), 2);
  c.close();
  drop_mariadb_user(user);
}

// The database password changed first; the secret follows 1.5 s later (a rotation function
// between setSecret and finishSecret). The connect waits for it instead of failing.
TEST_F(SecretsManagerIntegration, RotationInProgressIsWaitedFor) {
  const std::string role = unique("pg_inprogress");
  const std::string before = "Pg3-" + std::to_string(::getpid()) + "-before";
  const std::string after = "Pg3-" + std::to_string(::getpid()) + "-after";
  create_pg_role(role, before);
  serve(role, secret_json(role, before));
  Connection::open(pg_app_conninfo(), properties(role)).close();

  pg_admin().execute("ALTER ROLE " + role + " PASSWORD '" + after + "'");
  auto start = std::chrono::steady_clock::now();
  std::thread finish_rotation([&] {
    std::this_thread::sleep_for(1500ms);  // the time is the point: the rotation's length
    // Its own server handle would race on secrets_; build the update here.
    nlohmann::json secrets = secrets_;
    secrets[role] = secret_json(role, after);
    server_->configure({{"secrets", secrets}});
  });
  Connection c = Connection::open(pg_app_conninfo(), properties(role));
  auto waited = std::chrono::steady_clock::now() - start;
  finish_rotation.join();
  secrets_[role] = secret_json(role, after);
  EXPECT_EQ(c.execute("SELECT current_user").scalar<std::string>(), role);
  EXPECT_GE(waited, 1500ms);
  EXPECT_LT(waited, 10s);
  c.close();
  drop_pg_role(role);
}

TEST_F(SecretsManagerIntegration, WrongPasswordFailsWithTheServersErrorWithinTheWindow) {
  const std::string role = unique("pg_wrong");
  create_pg_role(role, "Pg4-right");
  serve(role, secret_json(role, "Pg4-wrong-password"));
  PropertyMap props = properties(role);
  props["secrets_manager_rotation_timeout_sec"] = "1";
  auto start = std::chrono::steady_clock::now();
  try {
    Connection::open(pg_app_conninfo(), props);
    FAIL() << "connected with a wrong password";
  } catch (const AuthError& error) {
    EXPECT_EQ(error.sqlstate(), "28P01") << error.what();
    EXPECT_EQ(std::string(error.what()).find("Pg4-wrong-password"), std::string::npos);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  drop_pg_role(role);
}

TEST_F(SecretsManagerIntegration, MalformedAndMissingSecretsAreClearAuthErrors) {
  const std::string id = unique("malformed");
  serve(id, R"({"username":"someone","pass":"Mf1-never-shown"})");
  try {
    Connection::open(pg_app_conninfo(), properties(id));
    FAIL();
  } catch (const AuthError& error) {
    std::string message = error.what();
    EXPECT_NE(message.find("has no member 'password'"), std::string::npos) << message;
    EXPECT_EQ(message.find("Mf1-never-shown"), std::string::npos) << message;
  }
  const std::string not_json = unique("not_json");
  serve(not_json, "Mf2-never-shown");
  try {
    Connection::open(mariadb_app_conninfo(), properties(not_json));
    FAIL();
  } catch (const AuthError& error) {
    std::string message = error.what();
    EXPECT_NE(message.find("not a JSON object"), std::string::npos) << message;
    EXPECT_EQ(message.find("Mf2-never-shown"), std::string::npos) << message;
  }
  try {
    Connection::open(pg_app_conninfo(), properties(unique("does_not_exist")));
    FAIL();
  } catch (const AuthError& error) {
    EXPECT_NE(std::string(error.what()).find("was not found"), std::string::npos) << error.what();
  }
}

TEST_F(SecretsManagerIntegration, BadPropertiesAreConfigErrorsAtOpen) {
  try {
    Connection::open(pg_app_conninfo(), {{"wrapper_plugins", "aws_secrets_manager"}});
    FAIL();
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.property(), "secrets_manager_secret_id");
  }
  PropertyMap plain_http = properties("x");
  plain_http["secrets_manager_endpoint"] = "http://127.0.0.1:1/";
  try {
    Connection::open(pg_app_conninfo(), plain_http);
    FAIL();
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.property(), "secrets_manager_endpoint");
  }
  try {
    Connection::open(pg_app_conninfo(), properties("x", "iam,aws_secrets_manager"));
    FAIL();
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.property(), "wrapper_plugins");
  }
  EXPECT_EQ(get_secret_value_requests(), 0);
}

TEST_F(SecretsManagerIntegration, WorksWithTheDefaultClusterPluginsAndFailover) {
  const std::string role = unique("pg_failover");
  const std::string password = "Pg5-" + std::to_string(::getpid());
  create_pg_role(role, password);
  serve(role, secret_json(role, password));
  Connection c = Connection::open(
      pg_app_conninfo(),
      properties(role,
                 "initial_connection,aws_secrets_manager,aurora_connection_tracker,failover"));
  EXPECT_EQ(c.execute("SELECT current_user").scalar<std::string>(), role);
  c.close();
  drop_pg_role(role);
}

TEST_F(SecretsManagerIntegration, NoSecretValueInAnyLogLineOrError) {
  const std::string role = unique("pg_logs");
  const std::string user = unique("my_logs");
  const std::string pg_before = "Lg1-" + std::to_string(::getpid()) + "-pgbefore";
  const std::string pg_after = "Lg1-" + std::to_string(::getpid()) + "-pgafter";
  const std::string my_password = "Lg1-" + std::to_string(::getpid()) + "-mariadb";
  const std::string malformed = "Lg1-" + std::to_string(::getpid()) + "-malformed";
  create_pg_role(role, pg_before);
  create_mariadb_user(user, my_password);
  serve(role, secret_json(role, pg_before));
  serve(user, secret_json(user, my_password));
  serve(unique("logs_bad"), R"({"user":"x","password":")" + malformed + R"("})");

  std::vector<std::string> errors;
  std::vector<std::string> lines;
  {
    LogCapture log;
    Connection::open(pg_app_conninfo(), properties(role)).close();
    Connection::open(mariadb_app_conninfo(), properties(user)).close();
    pg_admin().execute("ALTER ROLE " + role + " PASSWORD '" + pg_after + "'");
    serve(role, secret_json(role, pg_after));
    Connection::open(pg_app_conninfo(), properties(role)).close();  // rotation
    for (const auto& [conninfo, id] : {std::pair{pg_app_conninfo(), unique("logs_bad")},
                                       std::pair{mariadb_app_conninfo(), unique("logs_bad")}}) {
      try {
        Connection::open(conninfo, properties(id));
      } catch (const Error& error) {
        errors.emplace_back(error.what());
      }
    }
    pg_admin().execute("ALTER ROLE " + role + " PASSWORD 'Lg1-unrelated'");
    PropertyMap quick = properties(role);
    quick["secrets_manager_rotation_timeout_sec"] = "1";
    try {
      Connection::open(pg_app_conninfo(), quick);
    } catch (const Error& error) {
      errors.emplace_back(error.what());
    }
    lines = log.messages();
  }
  EXPECT_GE(lines.size(), 5u);
  EXPECT_EQ(errors.size(), 3u);
  for (const std::string& value : {pg_before, pg_after, my_password, malformed}) {
    for (const auto& line : lines) EXPECT_EQ(line.find(value), std::string::npos) << line;
    for (const auto& error : errors) EXPECT_EQ(error.find(value), std::string::npos) << error;
  }
  drop_pg_role(role);
  drop_mariadb_user(user);
}

}  // namespace
}  // namespace awrap::internal::secrets_manager_test