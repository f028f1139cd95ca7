// docs/configuration.md is generated from the property and plugin registries; this test fails
// when someone changes one without regenerating the other (`awrap config-reference`).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "awrap/ext/plugin.hpp"
#include "awrap/properties.hpp"
#include "core/property_docs.hpp"

namespace awrap::internal {
namespace {

TEST(Docs, ConfigurationReferenceMatchesTheRegistry) {
  std::ifstream in(std::string(AWRAP_SOURCE_DIR) + "/docs/configuration.md");
  ASSERT_TRUE(in) << "docs/configuration.md is missing";
  std::stringstream committed;
  committed << in.rdbuf();
  EXPECT_EQ(committed.str(), render_configuration_markdown())
      << "regenerate with: build/release/awrap config-reference > docs/configuration.md";
}

TEST(Docs, HelpListsEveryPropertyAndPlugin) {
  std::string help = render_properties_help();
  for (const auto& d : property_definitions())
    EXPECT_NE(help.find(std::string(d.name)), std::string::npos) << d.name;
  for (const auto& p : registered_plugins())
    EXPECT_NE(help.find(p.code), std::string::npos) << p.code;
}

}  // namespace
}  // namespace awrap::internal
