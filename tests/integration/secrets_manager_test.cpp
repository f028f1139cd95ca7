// The aws_secrets_manager plugin end to end: awrap fetches secrets from a local HTTPS Secrets
// Manager (tests/support/aws_endpoint_server.py, which checks every SigV4 signature with
// botocore) and logs into the lab's PostgreSQL (127.0.0.40) and MariaDB (127.0.0.41) with them;
// rotation mid-run, a rotation in progress, malformed secrets, and no secret in any log line.
//
// Roles and users are named sm_<pid>_..., so concurrent runs on the shared servers never meet.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "awrap/awrap.hpp"
#include "support/aws_endpoint_server.hpp"
#include "support/lab_cluster.hpp"
#include "support/test_env.hpp"

namespace awrap {
namespace {

using awrap::testing::AwsEndpointServer;
using namespace std::chrono_literals;

constexpr const char* kAccessKeyId = "AKIASECRETSMANAGERIT";
constexpr const char* kSecretAccessKey = "sm/integration+secret-access-key";

std::string unique(std::string_view what) {
  return "sm_" + std::to_string(::getpid()) + "_" + std::string(what);
}

std::string secret_json(const std::string& user, const std::string& password) {
  return nlohmann::json{{"username", user}, {"password", password}, {"engine", "postgres"}}.dump();
}

// Every log line awrap writes, at trace level.
class LogCapture {
 public:
  LogCapture() {
    set_log_level(LogLevel::kTrace);
    set_log_sink([this](LogLevel, std::string_view message) {
      std::lock_guard lock(mutex_);
      lines_.emplace_back(message);
    });
  }
  ~LogCapture() {
    set_log_sink(nullptr);
    set_log_level(LogLevel::kWarning);
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  int count(std::string_view text) const {
    int n = 0;
    for (const auto& line : lines())
      if (line.find(text) != std::string::npos) ++n;
    return n;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

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
    return Connection::open(awrap::testing::pg_conninfo(), {{"wrapper_plugins", ""}});
  }
  static Connection mariadb_admin() {
    return Connection::open(awrap::testing::mariadb_conninfo(), {{"wrapper_plugins", ""}});
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

  static AwsEndpointServer* server_;
  nlohmann::json secrets_ = nlohmann::json::object();
};

AwsEndpointServer* SecretsManagerIntegration::server_ = nullptr;

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
    std::this_thread::sleep_for(1500ms);
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

// A real failover on a two-node PostgreSQL cluster (own addresses 127.0.0.176-177): failover's
// reconnect goes through the plugin (weight 150, outside failover) and reuses the cached secret;
// the application sees exactly the FailoverSuccessError it would see with a plain password.
class SecretsManagerFailover : public SecretsManagerIntegration {
 protected:
  void SetUp() override {
    SecretsManagerIntegration::SetUp();
    cluster_.emplace(awrap::testing::LabCluster::up({.name = "sm-failover",
                                                     .engine = "pg",
                                                     .flavour = "plain",
                                                     .nodes = 2,
                                                     .base = "127.0.0.176"}));
    writer_ = cluster_->writer().name;
    for (const auto& node : cluster_->status().nodes) {
      if (!node.is_writer()) reader_ = node.name;
      hosts_ += (hosts_.empty() ? "" : ",") + node.host;
    }
  }
  void TearDown() override { cluster_.reset(); }

  // Runs on the writer and waits until the reader has applied it (same rolpassword).
  void set_password_replicated(const std::string& role, const std::string& password) {
    cluster_->sql(writer_, "ALTER ROLE " + role + " PASSWORD '" + password + "'");
    const std::string query = "SELECT rolpassword FROM pg_authid WHERE rolname = '" + role + "'";
    const std::string on_writer = cluster_->sql(writer_, query);
    for (int i = 0; i < 200 && cluster_->sql(reader_, query) != on_writer; ++i) {
      std::this_thread::sleep_for(25ms);
    }
    ASSERT_EQ(cluster_->sql(reader_, query), on_writer) << "not replicated";
  }
  Connection open(const std::string& role) {
    PropertyMap props = properties(role, "aws_secrets_manager,failover");
    props["failover_timeout_sec"] = "20";
    props["connect_timeout"] = "2";
    props["cluster_topology_high_refresh_rate_ms"] = "50";
    props["topology_refresh_ms"] = "1000";
    return Connection::open(
        "host=" + hosts_ + " port=5432 dbname=postgres user=sm_nobody password=wrong", props);
  }
  void crash_writer_and_fail_over() {
    cluster_->fault(writer_, awrap::testing::LabFault::kCrash);
    cluster_->failover();
  }

  std::optional<awrap::testing::LabCluster> cluster_;
  std::string writer_, reader_, hosts_;
};

TEST_F(SecretsManagerFailover, FailoverReconnectReusesTheCachedSecret) {
  const std::string role = unique("pg_fo");
  const std::string password = "Fo1-" + std::to_string(::getpid());
  cluster_->sql(writer_, "CREATE ROLE " + role + " LOGIN");
  set_password_replicated(role, password);
  serve(role, secret_json(role, password));
  Connection c = open(role);
  EXPECT_EQ(c.execute("SELECT current_user").scalar<std::string>(), role);
  crash_writer_and_fail_over();
  EXPECT_THROW(c.execute("SELECT 1"), FailoverSuccessError);
  EXPECT_EQ(c.execute("SELECT current_user").scalar<std::string>(), role);
  EXPECT_EQ(c.execute("SELECT pg_is_in_recovery()").scalar<bool>(), false);
  EXPECT_EQ(get_secret_value_requests(), 1);
  c.close();
}

// Rotation just before the writer crashes. Known gap in the core (see docs/secrets-manager.md):
// the TopologyMonitor's own connections use the credentials of the last successful connect and do
// not go through the authentication plugins, so after a rotation the monitor cannot log in to
// find the new writer, and strict_writer failover ends in FailoverFailedError. Enable this test
// when monitoring connections take their credentials through the plugin chain.
TEST_F(SecretsManagerFailover, DISABLED_FailoverRightAfterARotation) {
  const std::string role = unique("pg_fo_rot");
  const std::string before = "Fo2-" + std::to_string(::getpid()) + "-before";
  const std::string after = "Fo2-" + std::to_string(::getpid()) + "-after";
  cluster_->sql(writer_, "CREATE ROLE " + role + " LOGIN");
  set_password_replicated(role, before);
  serve(role, secret_json(role, before));
  Connection c = open(role);
  set_password_replicated(role, after);
  serve(role, secret_json(role, after));
  crash_writer_and_fail_over();
  EXPECT_THROW(c.execute("SELECT 1"), FailoverSuccessError);
  EXPECT_EQ(c.execute("SELECT current_user").scalar<std::string>(), role);
  EXPECT_EQ(get_secret_value_requests(), 2);
  c.close();
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
    lines = log.lines();
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
}  // namespace awrap
