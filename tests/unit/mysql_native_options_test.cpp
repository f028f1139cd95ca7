#include "driver/mysql/mysql_native_options.hpp"

#include <gtest/gtest.h>
#include <mysql.h>

#include <memory>
#include <string>

#include "awrap/errors.hpp"

namespace awrap::internal::mysql {
namespace {

struct CloseHandle {
  void operator()(MYSQL* handle) const noexcept { mysql_close(handle); }
};

class MysqlNativeOptions : public ::testing::Test {
 protected:
  void apply(std::map<std::string, std::string, std::less<>> options) {
    apply_native_options(handle_.get(), options);
  }
  std::unique_ptr<MYSQL, CloseHandle> handle_{mysql_init(nullptr)};
};

TEST_F(MysqlNativeOptions, AcceptsTheDocumentedNames) {
  EXPECT_NO_THROW(apply({{"ssl_ca", "/nonexistent/ca.pem"},
                         {"ssl_cert", "/nonexistent/cert.pem"},
                         {"ssl_key", "/nonexistent/key.pem"},
                         {"ssl_mode", "verify_identity"},
                         {"enable_cleartext_plugin", "on"},
                         {"charset", "utf8mb4"},
                         {"connect_attrs", "program_name:awrap,team:db"},
                         {"tls_version", "TLSv1.2,TLSv1.3"},
                         {"compress", "0"}}));
  EXPECT_NO_THROW(apply({{"ssl", "true"}}));
  EXPECT_NO_THROW(apply({{"ssl_mode", "DISABLED"}}));
}

TEST_F(MysqlNativeOptions, UnknownNameIsAConfigErrorListingAcceptedNames) {
  try {
    apply({{"sslmode", "require"}});
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.property(), "sslmode");
    const std::string what = e.what();
    EXPECT_NE(what.find("'sslmode'"), std::string::npos) << what;
    EXPECT_NE(what.find(accepted_native_option_names()), std::string::npos) << what;
  }
}

TEST_F(MysqlNativeOptions, BadValuesAreConfigErrors) {
  EXPECT_THROW(apply({{"ssl_mode", "sometimes"}}), ConfigError);
  EXPECT_THROW(apply({{"enable_cleartext_plugin", "perhaps"}}), ConfigError);
  EXPECT_THROW(apply({{"ssl", "2"}}), ConfigError);
  EXPECT_THROW(apply({{"connect_attrs", ":no-key"}}), ConfigError);
}

}  // namespace
}  // namespace awrap::internal::mysql
