#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "awrap/errors.hpp"
#include "awrap/log.hpp"
#include "base/logging.hpp"

namespace awrap::internal {
namespace {

constexpr const char* kSecrets[] = {"hunter2",
                                    "Wj4lrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY",
                                    "AKIDEXAMPLE1234ABCDE",
                                    "AKIAIOSFODNN7EXAMPLE",
                                    "deadbeefcafe0123456789",
                                    "FwoGZXIvYXdzEXAMPLE"};

TEST(MaskSecrets, MasksEveryFormOfSecret) {
  const std::string inputs[] = {
      "host=a password=hunter2 dbname=x",
      "host=a password='hunter2' dbname=x",
      "host=a PASSWORD = hunter2",
      "postgresql://app:hunter2@db:5432/x",
      R"({"username":"app","password":"hunter2"})",
      R"({"SecretString":"{\"password\":\"hunter2\"}"})",
      "aws_secret_access_key = Wj4lrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY",
      "key AKIAIOSFODNN7EXAMPLE used",
      "db:5432/"
      "?Action=connect&DBUser=u&X-Amz-Credential=AKIDEXAMPLE1234ABCDE%2F20240101&X-Amz-Signature="
      "deadbeefcafe0123456789",
      "Authorization: AWS4-HMAC-SHA256 "
      "Credential=AKIDEXAMPLE1234ABCDE/20150830/us-east-1/service/aws4_request, "
      "SignedHeaders=host, Signature=deadbeefcafe0123456789",
      "X-Amz-Security-Token=FwoGZXIvYXdzEXAMPLE&x=1",
      R"({"SessionToken":"FwoGZXIvYXdzEXAMPLE"})",
      // SQL that sets a password (execute_time logs statements)
      "ALTER ROLE app PASSWORD 'hunter2'",
      "CREATE ROLE app WITH LOGIN ENCRYPTED PASSWORD 'hunter2' VALID UNTIL 'infinity'",
      "CREATE USER 'app'@'%' IDENTIFIED BY 'hunter2'",
      "ALTER USER app IDENTIFIED WITH mysql_native_password BY 'hunter2'",
      "ALTER USER app IDENTIFIED BY 'hunter2'",
      "CREATE USER app IDENTIFIED VIA ed25519 USING PASSWORD('hunter2')",
      "SET PASSWORD FOR 'app'@'%' = PASSWORD('hunter2')",
      "SET PASSWORD = 'hunter2'",
      R"(ALTER USER app IDENTIFIED BY "hunter2")",
  };
  for (const auto& in : inputs) {
    std::string out = mask_secrets(in);
    for (const char* s : kSecrets) EXPECT_EQ(out.find(s), std::string::npos) << in << " -> " << out;
    EXPECT_NE(out.find("***"), std::string::npos) << in << " -> " << out;
  }
}

TEST(MaskSecrets, LeavesOrdinaryTextAlone) {
  EXPECT_EQ(mask_secrets("connected to 127.0.0.1:5432 in 3 ms"),
            "connected to 127.0.0.1:5432 in 3 ms");
  EXPECT_EQ(mask_secrets("user=app host=db"), "user=app host=db");
  EXPECT_EQ(mask_secrets("password authentication failed for user \"app\""),
            "password authentication failed for user \"app\"");
  EXPECT_EQ(mask_secrets("SELECT name FROM users WHERE password_changed > '2024-01-01'"),
            "SELECT name FROM users WHERE password_changed > '2024-01-01'");
}

TEST(MaskSecrets, ErrorsAndLogLinesAreMasked) {
  Error e("login failed for password=hunter2");
  EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos);

  std::vector<std::string> lines;
  std::mutex m;
  set_log_sink([&](LogLevel, std::string_view msg) {
    std::lock_guard lock(m);
    lines.emplace_back(msg);
  });
  set_log_level(LogLevel::kTrace);
  AWRAP_LOG(kDebug) << "conninfo postgresql://u:hunter2@h/db";
  AWRAP_LOG(kTrace) << "token h:5432/?X-Amz-Signature=deadbeefcafe0123456789";
  set_log_level(LogLevel::kWarning);
  AWRAP_LOG(kDebug) << "not shown";
  set_log_sink(nullptr);
  ASSERT_EQ(lines.size(), 2u);
  for (const auto& l : lines)
    for (const char* s : kSecrets) EXPECT_EQ(l.find(s), std::string::npos) << l;
}

}  // namespace
}  // namespace awrap::internal
