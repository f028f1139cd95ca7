// End to end IAM database authentication against real servers that verify the token.
//
// A lab node authenticates the user iam_user through PAM; the PAM service runs
// tests/support/iam_token_checker.py (pam_exec), which verifies the presented token with
// botocore (an independent SigV4 implementation) and the lab's known test key: signature,
// DBUser == the login name, host:port of the node, region, service rds-db, expiry. awrap logs in
// with wrapper_plugins=iam; tampered, expired, wrong-user, wrong-host and wrong-key tokens are
// refused by the server. The checker logs each decision with its reason (never the token), so
// the tests also prove that every refusal happened for the intended reason.
//
// Runs as root (the lab, /etc/pam.d). Addresses: 127.0.0.121 (PostgreSQL), 127.0.0.125
// (MariaDB). Each test writes its own PAM service (/etc/pam.d/awrap-iam-test-<engine>) and
// removes it when it ends, passed or failed. See docs/iam.md ("End to end").
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "awrap/awrap.hpp"
#include "aws/credentials.hpp"
#include "aws/rds_token.hpp"
#include "base/runtime.hpp"
#include "core/host_availability.hpp"
#include "support/eventually.hpp"
#include "support/lab_cluster.hpp"
#include "support/log_capture.hpp"

namespace awrap::internal::testing {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// The lab's known test key: the checker accepts tokens signed with it only.
constexpr const char* kAccessKeyId = "AKIAAWRAPE2ETEST0001";
constexpr const char* kSecretAccessKey = "awrap/e2e+LabOnlyTestSecretKey00000000000";
// The key the lab rotates to in the rotation case.
constexpr const char* kRotatedAccessKeyId = "AKIAAWRAPE2ETEST0002";
constexpr const char* kRotatedSecretAccessKey = "awrap/e2e+LabOnlyRotatedSecretKey000000";
constexpr const char* kRegion = "us-east-1";
constexpr const char* kIamUser = "iam_user";

// Sets environment variables for the test's lifetime and restores them after.
class ScopedEnvironment {
 public:
  ScopedEnvironment(
      std::initializer_list<std::pair<std::string, std::optional<std::string>>> values) {
    for (const auto& [name, value] : values) {
      const char* old = std::getenv(name.c_str());
      saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
      apply(name, value);
    }
  }
  ~ScopedEnvironment() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) apply(it->first, it->second);
  }
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

 private:
  static void apply(const std::string& name, const std::optional<std::string>& value) {
    if (value) {
      ::setenv(name.c_str(), value->c_str(), 1);
    } else {
      ::unsetenv(name.c_str());
    }
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// AWS settings of the process: the test key and region, nothing else the chain could find.
ScopedEnvironment test_aws_environment() {
  return ScopedEnvironment{
      {"AWS_ACCESS_KEY_ID", kAccessKeyId},  {"AWS_SECRET_ACCESS_KEY", kSecretAccessKey},
      {"AWS_SESSION_TOKEN", std::nullopt},  {"AWS_REGION", kRegion},
      {"AWS_DEFAULT_REGION", std::nullopt}, {"AWS_PROFILE", std::nullopt},
      {"AWS_CONFIG_FILE", "/nonexistent"},  {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"},
      {"AWS_EC2_METADATA_DISABLED", "true"}};
}

struct OsUser {
  uid_t uid;
  gid_t gid;
};

OsUser os_user(const std::string& name) {
  const passwd* entry = ::getpwnam(name.c_str());
  if (entry == nullptr) throw std::runtime_error("no OS user " + name);
  return {entry->pw_uid, entry->pw_gid};
}

void write_file(const std::filesystem::path& path, const std::string& text, mode_t mode,
                std::optional<OsUser> owner = std::nullopt) {
  {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path.string());
  }
  if (owner && ::chown(path.c_str(), owner->uid, owner->gid) != 0) {
    throw std::runtime_error("cannot chown " + path.string());
  }
  if (::chmod(path.c_str(), mode) != 0) throw std::runtime_error("cannot chmod " + path.string());
}

// A PAM service checking IAM tokens with iam_token_checker.py, plus the checker's files (its
// configuration with the test key, readable by the server's OS user only, and its decision log).
// Everything is removed when the object dies, also when the test failed.
class IamPamService {
 public:
  IamPamService(std::string service, const std::string& server_os_user, const std::string& endpoint)
      : service_(std::move(service)), owner_(os_user(server_os_user)), endpoint_(endpoint) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "awrap-iam-e2e-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    // The server's user may enter the directory but not list it.
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all |
                                           std::filesystem::perms::group_exec |
                                           std::filesystem::perms::others_exec);
    trust_key(kAccessKeyId, kSecretAccessKey);
    write_file(log_path(), "", 0600, owner_);
    write_file(
        pam_path(),
        "# awrap lab_iam_e2e_test: removed when the test ends\n"
        "auth    required pam_exec.so expose_authtok quiet /usr/bin/python3 " AWRAP_SOURCE_DIR
        "/tests/support/iam_token_checker.py " +
            (dir_ / "checker.json").string() +
            "\n"
            "account required pam_permit.so\n",
        0644);
  }
  ~IamPamService() {
    std::error_code ignored;
    std::filesystem::remove(pam_path(), ignored);
    std::filesystem::remove_all(dir_, ignored);
  }
  IamPamService(const IamPamService&) = delete;
  IamPamService& operator=(const IamPamService&) = delete;

  // The one access key the checker accepts from now on (the lab "rotates" its key).
  void trust_key(const std::string& access_key_id, const std::string& secret_access_key) {
    // "a:1,b:2": the nodes of a cluster that share this PAM service.
    nlohmann::json endpoints = nlohmann::json::array();
    for (std::size_t from = 0; from <= endpoint_.size();) {
      const std::size_t comma = std::min(endpoint_.find(',', from), endpoint_.size());
      endpoints.push_back(endpoint_.substr(from, comma - from));
      from = comma + 1;
    }
    nlohmann::json config = {{"access_key_id", access_key_id},
                             {"secret_access_key", secret_access_key},
                             {"region", kRegion},
                             {"endpoint", endpoints},
                             {"max_clock_skew_seconds", 60},
                             {"log", log_path().string()}};
    if (token_lifetime_) config["max_token_age_seconds"] = *token_lifetime_;
    write_file(dir_ / "checker.json", config.dump(), 0400, owner_);
  }
  // The lab's short token lifetime: the checker refuses tokens signed longer ago ("expired (lab
  // token lifetime)"), as RDS refuses them after 900 s.
  void set_token_lifetime(int seconds) {
    token_lifetime_ = seconds;
    trust_key(kAccessKeyId, kSecretAccessKey);
  }

  const std::string& service() const noexcept { return service_; }
  const std::filesystem::path& dir() const noexcept { return dir_; }
  OsUser owner() const noexcept { return owner_; }

  // Every decision of the checker so far: {"user", "decision", "reason"}.
  std::vector<nlohmann::json> decisions() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(log_path());
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    }
    return out;
  }

 private:
  std::filesystem::path pam_path() const { return "/etc/pam.d/" + service_; }
  std::filesystem::path log_path() const { return dir_ / "checker.log"; }

  std::string service_;
  OsUser owner_;
  std::string endpoint_;  // host:port the tokens must be signed for (comma-separated: any of them)
  std::filesystem::path dir_;
  std::optional<int> token_lifetime_;
};

aws::Credentials test_credentials(const char* secret = kSecretAccessKey) {
  aws::Credentials credentials;
  credentials.access_key_id = kAccessKeyId;
  credentials.secret_access_key = secret;
  return credentials;
}

std::string make_token(const std::string& host, int port, const std::string& user,
                       std::chrono::system_clock::time_point at = std::chrono::system_clock::now(),
                       const char* secret = kSecretAccessKey) {
  return aws::generate_rds_auth_token(host, port, user, kRegion, test_credentials(secret), at);
}

std::string signature_of(const std::string& token) {
  const std::string marker = "X-Amz-Signature=";
  const auto at = token.find(marker);
  return at == std::string::npos ? std::string() : token.substr(at + marker.size());
}

// The token with the last hex digit of its signature changed.
std::string tampered(std::string token) {
  char& last = token.back();
  last = last == '0' ? '1' : '0';
  return token;
}

// Secrets that must never show in a log line or an error message.
class SecretWatch {
 public:
  void add_secret(const std::string& secret) { secrets_.push_back(secret); }
  void add_token(const std::string& token) {
    secrets_.push_back(token);
    secrets_.push_back(signature_of(token));
  }
  // Returns the first secret found in `text`, or empty.
  std::string leaked_in(const std::string& text) const {
    if (text.find(kSecretAccessKey) != std::string::npos) return "the secret access key";
    for (const std::string& secret : secrets_) {
      if (!secret.empty() && text.find(secret) != std::string::npos) return "a token or signature";
    }
    // Whatever token the plugin made itself: no part of a presigned query may show.
    for (const char* part : {"X-Amz-Signature=", "X-Amz-Credential=", "Action=connect"}) {
      if (text.find(part) != std::string::npos) return std::string("token text ") + part;
    }
    return {};
  }

 private:
  std::vector<std::string> secrets_;
};

// Outcome of one login attempt.
struct Attempt {
  bool connected = false;
  std::string error_type;  // "AuthError", "ConfigError", ... when not connected
  std::string error;       // what()
  std::string current_user;
  std::string tls;  // MariaDB: Ssl_version of the session; PostgreSQL: pg_stat_ssl.ssl
};

template <typename Check>
Attempt attempt(const std::string& conninfo, const PropertyMap& props, const Check& after_connect) {
  Attempt result;
  try {
    Connection connection = Connection::open(conninfo, props);
    result.connected = true;
    after_connect(connection, result);
  } catch (const AuthError& error) {
    result.error_type = "AuthError";
    result.error = error.what();
  } catch (const ConfigError& error) {
    result.error_type = "ConfigError";
    result.error = error.what();
  } catch (const Error& error) {
    result.error_type = "Error";
    result.error = error.what();
  }
  return result;
}

// The last decision of the checker, or null when it made none since `before` decisions.
nlohmann::json last_decision_since(const IamPamService& pam, std::size_t before) {
  auto decisions = pam.decisions();
  if (decisions.size() <= before) return nullptr;
  return decisions.back();
}

// Connects with `token` as the password (props: no plugins) and expects the server to refuse it
// with an AuthError, the checker to have refused it for `reason`, and no secret in the error.
void expect_refused(const std::string& what, const IamPamService& pam, const std::string& conninfo,
                    PropertyMap props, const std::string& token, const std::string& reason,
                    SecretWatch& watch) {
  SCOPED_TRACE(what);
  watch.add_token(token);
  props["password"] = token;
  const std::size_t before = pam.decisions().size();
  const auto started = SteadyClock::now();
  Attempt refused = attempt(conninfo, props, [](Connection&, Attempt&) {});
  const auto elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started).count();
  EXPECT_FALSE(refused.connected);
  EXPECT_EQ(refused.error_type, "AuthError") << refused.error;
  EXPECT_EQ(watch.leaked_in(refused.error), "") << "error message leaks a secret";
  nlohmann::json decision = last_decision_since(pam, before);
  ASSERT_FALSE(decision.is_null()) << "the server never ran the checker";
  EXPECT_EQ(decision["decision"], "refused");
  EXPECT_EQ(decision["reason"], reason);
  std::cout << "[ iam e2e ] " << what << ": refused by the server ("
            << decision["reason"].get<std::string>() << ") in " << elapsed_ms << " ms\n";
}

// AWRAP_IAM_E2E_SHOW_LOG=1 prints awrap's captured log (for debugging the test).
std::string first_leak(const LogCapture& log, const SecretWatch& watch) {
  const char* show = std::getenv("AWRAP_IAM_E2E_SHOW_LOG");
  for (const std::string& message : log.messages()) {
    if (show != nullptr && std::string(show) == "1")
      std::cout << "[ awrap log ] " << message << "\n";
    if (std::string leak = watch.leaked_in(message); !leak.empty()) return leak + " in: " + message;
  }
  return {};
}

// A self-signed certificate for `ip` in the PAM service's folder, its key readable by the
// server's OS user only.
struct ServerCertificate {
  std::filesystem::path cert;
  std::filesystem::path key;
};

ServerCertificate make_server_certificate(const IamPamService& pam, const std::string& ip) {
  ServerCertificate made{pam.dir() / "server-cert.pem", pam.dir() / "server-key.pem"};
  const std::string openssl = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=" + ip +
                              " -addext subjectAltName=IP:" + ip + " -keyout " + made.key.string() +
                              " -out " + made.cert.string() + " >/dev/null 2>&1";
  if (std::system(openssl.c_str()) != 0 ||
      ::chown(made.key.c_str(), pam.owner().uid, pam.owner().gid) != 0 ||
      ::chmod(made.key.c_str(), 0600) != 0 || ::chmod(made.cert.c_str(), 0644) != 0)
    throw std::runtime_error("cannot make a server certificate: " + openssl);
  return made;
}

TEST(LabIamE2ePg, IamLoginVerifiedByServerAndBadTokensRefused) {
  const auto test_started = SteadyClock::now();
  auto environment = test_aws_environment();
  IamPamService pam("awrap-iam-test-pg", "postgres", "127.0.0.121:5432");
  // TLS with a certificate the test makes: the iam plugin sends the token only over TLS.
  const ServerCertificate made = make_server_certificate(pam, "127.0.0.121");
  const std::filesystem::path& cert = made.cert;
  const std::filesystem::path& key = made.key;
  auto cluster = LabCluster::up(
      {.name = "iam-pg",
       .engine = "pg",
       .nodes = 1,
       .base = "127.0.0.121",
       .hba_lines = {"host all " + std::string(kIamUser) +
                     " 127.0.0.0/8 pam pamservice=" + pam.service()},
       .settings = {"ssl=on", "ssl_cert_file=" + cert.string(), "ssl_key_file=" + key.string()}});
  cluster.sql("instance-1", std::string("CREATE ROLE ") + kIamUser + " LOGIN");
  const LabNode node = cluster.node("instance-1");
  ASSERT_EQ(node.host + ":" + std::to_string(node.port), "127.0.0.121:5432");
  const std::string conninfo_without_tls = "host=" + node.host +
                                           " port=" + std::to_string(node.port) +
                                           " user=" + kIamUser + " dbname=awrap connect_timeout=10";
  const std::string conninfo =
      conninfo_without_tls + " sslmode=verify-full sslrootcert=" + cert.string();
  LogCapture log;
  SecretWatch watch;
  auto session_check = [](Connection& c, Attempt& a) {
    a.current_user = c.execute("SELECT current_user").scalar<std::string>();
    a.tls = c.execute("SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                .scalar<std::string>();
  };

  {
    SCOPED_TRACE("awrap with wrapper_plugins=iam, over TLS (verify-full)");
    const auto started = SteadyClock::now();
    Attempt ok = attempt(conninfo, {{"wrapper_plugins", "iam"}}, [&](Connection& c, Attempt& a) {
      session_check(c, a);
      EXPECT_EQ(c.execute("SELECT 6 * 7").scalar<int64_t>(), 42);
    });
    ASSERT_TRUE(ok.connected) << ok.error_type << ": " << ok.error;
    EXPECT_EQ(ok.current_user, kIamUser);
    EXPECT_EQ(ok.tls, "true");
    auto decisions = pam.decisions();
    ASSERT_FALSE(decisions.empty());
    EXPECT_EQ(decisions.back()["decision"], "accepted");
    EXPECT_EQ(decisions.back()["user"], kIamUser);
    std::cout << "[ iam e2e ] pg: iam plugin login verified by the server in "
              << std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started)
                     .count()
              << " ms\n";
  }
  {
    SCOPED_TRACE("a token made with the pure function, as a plain password (control)");
    const std::string token = make_token(node.host, node.port, kIamUser);
    watch.add_token(token);
    Attempt ok = attempt(conninfo, {{"wrapper_plugins", ""}, {"password", token}},
                         [](Connection& c, Attempt& a) {
                           a.current_user = c.execute("SELECT current_user").scalar<std::string>();
                         });
    ASSERT_TRUE(ok.connected) << ok.error_type << ": " << ok.error;
    EXPECT_EQ(ok.current_user, kIamUser);
  }

  // Issue 12, defect 12: the token went out under libpq's default sslmode=prefer, in the clear
  // to a server without TLS. awrap refuses before anything is sent, unless the lab opts out.
  for (const char* sslmode : {"disable", "prefer", ""}) {
    SCOPED_TRACE(std::string("iam plugin with sslmode '") + sslmode + "': refused by awrap");
    const std::size_t before = pam.decisions().size();
    PropertyMap props{{"wrapper_plugins", "iam"}};
    if (*sslmode) props["sslmode"] = sslmode;
    Attempt refused = attempt(conninfo_without_tls, props, [](Connection&, Attempt&) {});
    EXPECT_FALSE(refused.connected);
    EXPECT_EQ(refused.error_type, "ConfigError") << refused.error;
    EXPECT_NE(refused.error.find("sslmode=require, verify-ca or verify-full"), std::string::npos)
        << refused.error;
    EXPECT_EQ(pam.decisions().size(), before) << "the token reached the server";
  }
  {
    SCOPED_TRACE("iam plugin without TLS, iam_allow_cleartext_without_tls=true (lab opt-out)");
    Attempt ok = attempt(conninfo_without_tls,
                         {{"wrapper_plugins", "iam"},
                          {"sslmode", "disable"},
                          {"iam_allow_cleartext_without_tls", "true"}},
                         session_check);
    ASSERT_TRUE(ok.connected) << ok.error_type << ": " << ok.error;
    EXPECT_EQ(ok.current_user, kIamUser);
    EXPECT_EQ(ok.tls, "false");
  }

  const PropertyMap plain{{"wrapper_plugins", ""}};
  const auto now = std::chrono::system_clock::now();
  expect_refused("pg: tampered signature", pam, conninfo, plain,
                 tampered(make_token(node.host, node.port, kIamUser)), "signature does not match",
                 watch);
  expect_refused(
      "pg: signed with another secret key", pam, conninfo, plain,
      make_token(node.host, node.port, kIamUser, now, "another/secret+key000000000000000000000000"),
      "signature does not match", watch);
  expect_refused("pg: expired (signed 20 minutes ago)", pam, conninfo, plain,
                 make_token(node.host, node.port, kIamUser, now - 20min), "expired", watch);
  expect_refused("pg: token for another user", pam, conninfo, plain,
                 make_token(node.host, node.port, "someone_else"),
                 "DBUser is not the user logging in", watch);
  expect_refused("pg: token for another port", pam, conninfo, plain,
                 make_token(node.host, 5433, kIamUser), "signed for another host:port", watch);
  {
    // The plugin itself signing the wrong host (iam_host): a fresh token refused is reported as
    // an AuthError, without a retry.
    SCOPED_TRACE("iam plugin with iam_host naming another host");
    const std::size_t before = pam.decisions().size();
    Attempt refused =
        attempt(conninfo, {{"wrapper_plugins", "iam"}, {"iam_host", "elsewhere.example.com"}},
                [](Connection&, Attempt&) {});
    EXPECT_FALSE(refused.connected);
    EXPECT_EQ(refused.error_type, "AuthError") << refused.error;
    EXPECT_EQ(watch.leaked_in(refused.error), "");
    auto decisions = pam.decisions();
    ASSERT_EQ(decisions.size(), before + 1) << "a fresh token must not be retried";
    EXPECT_EQ(decisions.back()["reason"], "signed for another host:port");
  }
  {
    // Key rotation: the lab trusts a new key and the application's environment has it; the
    // plugin's cached token (old key) is refused, so the plugin drops it and the cached
    // credentials, and retries once with a token made with the new key.
    SCOPED_TRACE("key rotation: cached token refused, one retry with fresh credentials");
    watch.add_secret(kRotatedSecretAccessKey);
    pam.trust_key(kRotatedAccessKeyId, kRotatedSecretAccessKey);
    ScopedEnvironment rotated{{"AWS_ACCESS_KEY_ID", kRotatedAccessKeyId},
                              {"AWS_SECRET_ACCESS_KEY", kRotatedSecretAccessKey}};
    const std::size_t before = pam.decisions().size();
    Attempt ok = attempt(conninfo, {{"wrapper_plugins", "iam"}}, [](Connection& c, Attempt& a) {
      a.current_user = c.execute("SELECT current_user").scalar<std::string>();
    });
    ASSERT_TRUE(ok.connected) << ok.error_type << ": " << ok.error;
    EXPECT_EQ(ok.current_user, kIamUser);
    auto decisions = pam.decisions();
    ASSERT_EQ(decisions.size(), before + 2);
    EXPECT_EQ(decisions[before]["decision"], "refused");
    EXPECT_EQ(decisions[before]["reason"], "unknown access key id");
    EXPECT_EQ(decisions[before + 1]["decision"], "accepted");
  }
  {
    // And back: awrap's credential cache is process-wide, so later tests in this process must
    // find the original key there again. Same path: refused cached token, one fresh retry.
    SCOPED_TRACE("key rotation back to the original key");
    pam.trust_key(kAccessKeyId, kSecretAccessKey);
    const std::size_t before = pam.decisions().size();
    Attempt ok = attempt(conninfo, {{"wrapper_plugins", "iam"}}, [](Connection&, Attempt&) {});
    ASSERT_TRUE(ok.connected) << ok.error_type << ": " << ok.error;
    auto decisions = pam.decisions();
    ASSERT_EQ(decisions.size(), before + 2);
    EXPECT_EQ(decisions[before]["reason"], "unknown access key id");
    EXPECT_EQ(decisions[before + 1]["decision"], "accepted");
  }

  EXPECT_FALSE(log.messages().empty()) << "nothing logged at kTrace: the capture is not working";
  EXPECT_EQ(first_leak(log, watch), "");
  std::cout << "[ iam e2e ] pg: whole test "
            << std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() -
                                                                     test_started)
                   .count()
            << " ms, " << log.messages().size() << " log lines checked\n";
}

// MariaDB's auth_pam with pam_use_cleartext_plugin (the client sends the token with
// mysql_clear_password, as to Aurora MySQL), over TLS with a certificate the test makes.
// Defect 1 of issue 12: host monitoring outlives the token of the last login. The checker's
// token lifetime is 6 s and the plugin's iam_expiration 3 s; the Connection logs in, stays idle
// past the lifetime, then runs a query longer than failure_detection_time_ms. The monitor's
// probe session, opened only then, must log in with a fresh token (through the plugin's cache),
// not the expired one of the login: a refused probe would make the host "dead" (count 1) and
// abort the healthy query. Before the fix: ConnectionLostError after ~1 s, and the checker
// refused the probe's token as expired.
TEST(LabIamE2ePg, HostMonitoringOutlivesTheToken) {
  auto environment = test_aws_environment();
  IamPamService pam("awrap-iam-test-pg", "postgres", "127.0.0.121:5432");
  constexpr int kLifetime = 6;
  pam.set_token_lifetime(kLifetime);
  auto cluster = LabCluster::up({.name = "iam-pg",
                                 .engine = "pg",
                                 .nodes = 1,
                                 .base = "127.0.0.121",
                                 .hba_lines = {"host all " + std::string(kIamUser) +
                                               " 127.0.0.0/8 pam pamservice=" + pam.service()}});
  cluster.sql("instance-1", std::string("CREATE ROLE ") + kIamUser + " LOGIN");
  const LabNode node = cluster.node("instance-1");
  const std::string conninfo = "host=" + node.host + " port=" + std::to_string(node.port) +
                               " user=" + kIamUser + " dbname=awrap connect_timeout=10";
  LogCapture log;
  SecretWatch watch;
  // Tokens cached by earlier tests of this process (for 870 s) are older than the lab lifetime.
  internal::Runtime::process()->get<aws::RdsTokenCache>().clear();
  const PropertyMap props{{"wrapper_plugins", "iam,host_monitoring"},
                          {"iam_allow_cleartext_without_tls", "true"},  // this lab node: no TLS
                          {"iam_expiration", "3"},
                          {"failure_detection_time_ms", "1000"},
                          {"failure_detection_interval_ms", "3000"},  // a PAM login: up to 0.6 s
                          {"failure_detection_count", "1"},
                          {"monitor_disposal_time_ms", "60000"}};
  Connection c = Connection::open(conninfo, props);
  ASSERT_EQ(c.execute("SELECT current_user").scalar<std::string>(), kIamUser);
  const std::size_t logins_before = pam.decisions().size();
  std::this_thread::sleep_for(std::chrono::seconds(kLifetime + 2));  // the login's token expired

  const auto started = SteadyClock::now();
  std::string outcome = "ok";
  try {
    c.execute("SELECT pg_sleep(4)");
  } catch (const Error& e) {
    outcome = std::string(error_class_name(e)) + ": " + e.what();
  }
  const auto took_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started).count();
  EXPECT_EQ(outcome, "ok") << "the monitored query was aborted after " << took_ms << " ms";
  EXPECT_GE(took_ms, 3900);
  HostInfo host;
  host.host = node.host;
  host.port = node.port;
  EXPECT_EQ(internal::Runtime::process()->get<HostAvailabilityRegistry>().get(host),
            HostAvailability::kAvailable)
      << "the host was marked down";
  EXPECT_EQ(c.execute("SELECT 1").scalar<int64_t>(), 1);

  auto decisions = pam.decisions();
  ASSERT_GT(decisions.size(), logins_before) << "the probe never logged in";
  int accepted = 0;
  for (std::size_t i = logins_before; i < decisions.size(); ++i) {
    EXPECT_EQ(decisions[i]["decision"], "accepted") << decisions[i].dump();
    accepted += decisions[i]["decision"] == "accepted" ? 1 : 0;
  }
  EXPECT_GE(accepted, 1);
  std::cout << "[ iam e2e ] pg: a 4 s query monitored " << kLifetime + 2
            << " s after the login (token lifetime " << kLifetime << " s) took " << took_ms
            << " ms; the probe's logins: " << decisions.size() - logins_before << ", accepted "
            << accepted << "\n";
  c.close();
  EXPECT_EQ(first_leak(log, watch), "");
}

TEST(LabIamE2eMariaDb, IamLoginOverTlsVerifiedByServerAndBadTokensRefused) {
  const auto test_started = SteadyClock::now();
  auto environment = test_aws_environment();
  IamPamService pam("awrap-iam-test-mariadb", "mysql", "127.0.0.125:3306");
  const ServerCertificate made = make_server_certificate(pam, "127.0.0.125");
  const std::filesystem::path& cert = made.cert;
  const std::filesystem::path& key = made.key;

  auto cluster =
      LabCluster::up({.name = "iam-maria",
                      .engine = "mariadb",
                      .nodes = 1,
                      .base = "127.0.0.125",
                      .settings = {"plugin_load_add=auth_pam", "pam_use_cleartext_plugin=ON",
                                   "ssl_cert=" + cert.string(), "ssl_key=" + key.string()}});
  cluster.sql("instance-1", std::string("CREATE USER ") + kIamUser +
                                "@'%' IDENTIFIED VIA pam USING '" + pam.service() +
                                "'; GRANT SELECT ON awrap.* TO " + kIamUser + "@'%'");
  const LabNode node = cluster.node("instance-1");
  ASSERT_EQ(node.host + ":" + std::to_string(node.port), "127.0.0.125:3306");
  const std::string conninfo = "mysql://" + std::string(kIamUser) + "@" + node.host + ":" +
                               std::to_string(node.port) + "/awrap";
  const PropertyMap tls{{"ssl_mode", "VERIFY_IDENTITY"}, {"ssl_ca", cert.string()}};
  LogCapture log;
  SecretWatch watch;
  auto session_check = [](Connection& c, Attempt& a) {
    a.current_user = c.execute("SELECT CURRENT_USER()").scalar<std::string>();
    a.tls = c.execute(
                 "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS "
                 "WHERE VARIABLE_NAME = 'SSL_VERSION'")
                .scalar<std::string>();
  };

  {
    SCOPED_TRACE("awrap with wrapper_plugins=iam over TLS (VERIFY_IDENTITY)");
    PropertyMap props = tls;
    props["wrapper_plugins"] = "iam";
    const auto started = SteadyClock::now();
    Attempt ok = attempt(conninfo, props, session_check);
    ASSERT_TRUE(ok.connected) << ok.error_type << ": " << ok.error;
    EXPECT_EQ(ok.current_user, std::string(kIamUser) + "@%");
    EXPECT_NE(ok.tls, "") << "the session is not encrypted";
    auto decisions = pam.decisions();
    ASSERT_FALSE(decisions.empty());
    EXPECT_EQ(decisions.back()["decision"], "accepted");
    std::cout << "[ iam e2e ] mariadb: iam plugin login over " << ok.tls
              << " verified by the server in "
              << std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started)
                     .count()
              << " ms\n";
  }
  {
    SCOPED_TRACE("iam plugin without TLS: refused by awrap before anything is sent");
    const std::size_t before = pam.decisions().size();
    Attempt refused = attempt(conninfo, {{"wrapper_plugins", "iam"}, {"ssl_mode", "DISABLED"}},
                              [](Connection&, Attempt&) {});
    EXPECT_FALSE(refused.connected);
    EXPECT_EQ(refused.error_type, "ConfigError") << refused.error;
    EXPECT_EQ(pam.decisions().size(), before) << "the token reached the server";
  }
  {
    SCOPED_TRACE("iam plugin without TLS, iam_allow_cleartext_without_tls=true (lab opt-out)");
    Attempt ok = attempt(conninfo,
                         {{"wrapper_plugins", "iam"},
                          {"ssl_mode", "DISABLED"},
                          {"iam_allow_cleartext_without_tls", "true"}},
                         session_check);
    ASSERT_TRUE(ok.connected) << ok.error_type << ": " << ok.error;
    EXPECT_EQ(ok.current_user, std::string(kIamUser) + "@%");
    EXPECT_EQ(ok.tls, "");
  }

  PropertyMap plain = tls;
  plain["wrapper_plugins"] = "";
  plain["enable_cleartext_plugin"] = "true";
  {
    SCOPED_TRACE("a token made with the pure function, as a plain password (control)");
    const std::string token = make_token(node.host, node.port, kIamUser);
    watch.add_token(token);
    PropertyMap props = plain;
    props["password"] = token;
    Attempt ok = attempt(conninfo, props, session_check);
    ASSERT_TRUE(ok.connected) << ok.error_type << ": " << ok.error;
    EXPECT_EQ(ok.current_user, std::string(kIamUser) + "@%");
  }
  const auto now = std::chrono::system_clock::now();
  expect_refused("mariadb: tampered signature", pam, conninfo, plain,
                 tampered(make_token(node.host, node.port, kIamUser)), "signature does not match",
                 watch);
  expect_refused("mariadb: expired (signed 20 minutes ago)", pam, conninfo, plain,
                 make_token(node.host, node.port, kIamUser, now - 20min), "expired", watch);
  expect_refused("mariadb: token for another user", pam, conninfo, plain,
                 make_token(node.host, node.port, "someone_else"),
                 "DBUser is not the user logging in", watch);
  expect_refused("mariadb: token for another host", pam, conninfo, plain,
                 make_token("127.0.0.121", node.port, kIamUser), "signed for another host:port",
                 watch);

  EXPECT_FALSE(log.messages().empty()) << "nothing logged at kTrace: the capture is not working";
  EXPECT_EQ(first_leak(log, watch), "");
  std::cout << "[ iam e2e ] mariadb: whole test "
            << std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() -
                                                                     test_started)
                   .count()
            << " ms, " << log.messages().size() << " log lines checked\n";
}

// awrap::Pool's max_lifetime renews IAM connections: after the lab rotates its key, a connection
// that outlived max_lifetime is replaced by a new login through the iam plugin (its cached token
// refused, one retry with fresh credentials) that the server verifies, while the application
// only sees a working lease. Docs: docs/pool.md.
TEST(LabIamE2ePg, PoolRenewsIamConnectionsPastMaxLifetimeWithFreshCredentials) {
  auto environment = test_aws_environment();
  IamPamService pam("awrap-iam-test-pg-pool", "postgres", "127.0.0.121:5432");
  auto cluster = LabCluster::up({.name = "iam-pg",
                                 .engine = "pg",
                                 .nodes = 1,
                                 .base = "127.0.0.121",
                                 .hba_lines = {"host all " + std::string(kIamUser) +
                                               " 127.0.0.0/8 pam pamservice=" + pam.service()}});
  cluster.sql("instance-1", std::string("DO $$ BEGIN CREATE ROLE ") + kIamUser +
                                " LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
  const LabNode node = cluster.node("instance-1");
  // This node serves no TLS: the lab opt-out lets the iam plugin send its token anyway (issue 12
  // defect 12; IamLoginVerifiedByServerAndBadTokensRefused covers the TLS rule itself).
  const std::string conninfo = "host=" + node.host + " port=" + std::to_string(node.port) +
                               " user=" + kIamUser + " dbname=awrap connect_timeout=10";
  auto accepted = [&] {
    std::size_t n = 0;
    for (const auto& d : pam.decisions()) n += d["decision"] == "accepted" ? 1 : 0;
    return n;
  };
  LogCapture log;
  SecretWatch watch;
  watch.add_secret(kRotatedSecretAccessKey);
  {
    PoolOptions options;
    options.max_size = 2;
    options.max_lifetime = 1s;
    options.validation_idle_threshold = 1h;
    Pool pool(conninfo, {{"wrapper_plugins", "iam"}, {"iam_allow_cleartext_without_tls", "true"}},
              options);
    std::int64_t first_session = 0;
    {
      auto lease = pool.acquire();
      first_session = lease->execute("SELECT pg_backend_pid()").scalar<std::int64_t>();
    }
    ASSERT_EQ(accepted(), 1u);

    // The key rotates: logins need the new one; the open session is unaffected.
    pam.trust_key(kRotatedAccessKeyId, kRotatedSecretAccessKey);
    ScopedEnvironment rotated{{"AWS_ACCESS_KEY_ID", kRotatedAccessKeyId},
                              {"AWS_SECRET_ACCESS_KEY", kRotatedSecretAccessKey}};
    std::this_thread::sleep_for(1100ms);  // the time is the point: past max_lifetime (1 s)
    {
      auto lease = pool.acquire();  // past its life: closed, and a new IAM login made
      EXPECT_NE(lease->execute("SELECT pg_backend_pid()").scalar<std::int64_t>(), first_session);
      EXPECT_EQ(lease->execute("SELECT current_user").scalar<std::string>(), kIamUser);
    }
    EXPECT_EQ(accepted(), 2u) << "the renewal logged in through the server's IAM check";
    auto c = pool.counters();
    EXPECT_EQ(c.closed_by(PoolCloseReason::kMaxLifetime), 1u);
    EXPECT_EQ(c.created, 2u);
    std::cout << "[ iam e2e ] pg: pool renewed an IAM connection past max_lifetime after a key "
                 "rotation\n";

    // Back to the original key, so the process-wide credential cache holds it for later tests.
    pam.trust_key(kAccessKeyId, kSecretAccessKey);
  }
  Attempt back =
      attempt(conninfo, {{"wrapper_plugins", "iam"}, {"iam_allow_cleartext_without_tls", "true"}},
              [](Connection&, Attempt&) {});
  EXPECT_TRUE(back.connected) << back.error_type << ": " << back.error;
  EXPECT_EQ(first_leak(log, watch), "");
}

// Issue 14: read/write splitting with IAM. set_read_only(true) opens the reader's session with an
// IAM login of its own, a token signed for the reader's host:port that the server verifies; the
// token appears in no log line.
TEST(LabIamE2ePg, ReadWriteSplittingLogsInToTheReaderWithItsOwnToken) {
  auto environment = test_aws_environment();
  IamPamService pam("awrap-iam-test-pg-rws", "postgres", "127.0.0.121:5432,127.0.0.122:5432");
  auto cluster = LabCluster::up({.name = "iam-pg-rws",
                                 .engine = "pg",
                                 .nodes = 2,
                                 .base = "127.0.0.121",
                                 .hba_lines = {"host all " + std::string(kIamUser) +
                                               " 127.0.0.0/8 pam pamservice=" + pam.service()}});
  cluster.sql("instance-1", std::string("CREATE ROLE ") + kIamUser + " LOGIN");
  const std::string reader = cluster.node("instance-2").host + ":5432";
  ASSERT_TRUE(eventually([&] {
    return cluster
               .sql_rows("instance-2", std::string("SELECT count(*) FROM pg_roles WHERE "
                                                   "rolname = '") +
                                           kIamUser + "'")
               .at(0)
               .at(0) == "1";
  })) << "the role did not reach the reader";
  LogCapture log;
  SecretWatch watch;
  Connection c = Connection::open(
      "host=127.0.0.121,127.0.0.122 port=5432 user=" + std::string(kIamUser) +
          " dbname=awrap connect_timeout=10",
      {{"wrapper_plugins", "iam,read_write_splitting,failover"},
       {"iam_allow_cleartext_without_tls", "true"},  // these lab nodes serve no TLS
       {"topology_refresh_ms", "1000"}});
  EXPECT_FALSE(c.execute("SELECT pg_is_in_recovery()").scalar<bool>());
  c.set_read_only(true);
  EXPECT_TRUE(c.execute("SELECT pg_is_in_recovery()").scalar<bool>()) << "not on the reader";
  EXPECT_EQ(c.execute("SELECT current_user").scalar<std::string>(), kIamUser);
  c.set_read_only(false);
  EXPECT_FALSE(c.execute("SELECT pg_is_in_recovery()").scalar<bool>());
  int reader_logins = 0;
  for (const auto& d : pam.decisions()) {
    EXPECT_EQ(d["decision"], "accepted") << d.dump();
    if (d.value("endpoint", "") == reader) ++reader_logins;
  }
  EXPECT_GE(reader_logins, 1) << "no login with a token signed for the reader";
  c.close();
  EXPECT_EQ(first_leak(log, watch), "");
}

}  // namespace
}  // namespace awrap::internal::testing
