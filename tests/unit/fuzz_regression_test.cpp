// Inputs the fuzz targets (fuzz/, docs/fuzzing.md) found to break a parser, kept as unit tests
// so the fix stays. Each test names the target and the property or sanitizer that caught it.
#include <gtest/gtest.h>

#include <string>

#include "awrap/errors.hpp"
#include "core/conninfo.hpp"

namespace awrap {
namespace {

std::string config_error_of(const std::string& text) {
  try {
    parse_conninfo(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(parsed)";
}

// fuzz_conninfo, "a password never shows in an error": 'postgresql://u:pa/ss@db:5432/app' said
// "invalid port 'pa'" (the host list ends at the '/', so "u:pa" read as host and port).
TEST(FuzzRegression, UrlPasswordWithSlashOrQuestionMarkIsNotQuoted) {
  for (std::string password : {"Xyz/Qwv", "Xyz?Qwv", "Xyz/Qwv?Rst", "Xyz?a=b/Qwv"}) {
    std::string message = config_error_of("postgresql://app:" + password + "@db:5432/app");
    EXPECT_NE(message, "(parsed)") << password;
    EXPECT_EQ(message.find("Xyz"), std::string::npos) << message;
    EXPECT_EQ(message.find("Qwv"), std::string::npos) << message;
    EXPECT_NE(message.find("percent-encode"), std::string::npos) << message;
  }
  auto info = parse_conninfo("postgresql://app:Xyz%2FQwv%3F@db:5432/app");
  EXPECT_EQ(info.options.at("password"), "Xyz/Qwv?");
  // Without an '@' after the host list, errors still quote what is wrong.
  EXPECT_NE(config_error_of("postgresql://db:99999/app").find("'99999'"), std::string::npos);
}

}  // namespace
}  // namespace awrap
