#include "awrap/properties.hpp"

#include <gtest/gtest.h>

#include "awrap/errors.hpp"
#include "core/plugin_registry.hpp"

namespace awrap::internal {
namespace {

std::string config_error_of(const PropertyMap& map) {
  try {
    Properties::parse(map);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Properties, DefaultsApplyAndTypesConvert) {
  Properties p =
      Properties::parse({{"connect_timeout", "0.5"}, {"auto_sort_wrapper_plugin_order", "off"}});
  EXPECT_DOUBLE_EQ(p.get_decimal("connect_timeout"), 0.5);
  EXPECT_DOUBLE_EQ(p.get_decimal("socket_timeout"), 0.0);
  EXPECT_FALSE(p.get_bool("auto_sort_wrapper_plugin_order"));
  EXPECT_EQ(p.get_list("wrapper_plugins"),
            (std::vector<std::string>{"initial_connection", "aurora_connection_tracker", "failover",
                                      "host_monitoring"}));
  EXPECT_TRUE(Properties::parse({{"wrapper_plugins", ""}}).get_list("wrapper_plugins").empty());
  EXPECT_EQ(p.get_int("dev_inject_error_count"), 1);
}

TEST(Properties, AliasesAndListsAndChoices) {
  Properties p = Properties::parse({{"plugins", " dev , execute_time "},
                                    {"database", "app"},
                                    {"dev_inject_error_on", "EXECUTE-PREPARED"}});
  EXPECT_EQ(p.get_list("wrapper_plugins"), (std::vector<std::string>{"dev", "execute_time"}));
  EXPECT_EQ(p.get_string("dbname"), "app");
  EXPECT_EQ(p.get_choice("dev_inject_error_on"), "execute_prepared");
  EXPECT_TRUE(p.wrapper().contains("wrapper_plugins"));
}

TEST(Properties, UnknownNamesPassToTheNativeDriverAndMonitoringPrefixIsSeparated) {
  Properties p = Properties::parse({{"sslmode", "require"},
                                    {"monitoring-connect_timeout", "1"},
                                    {"monitoring-sslmode", "disable"}});
  EXPECT_EQ(p.native().at("sslmode"), "require");
  EXPECT_FALSE(p.native().contains("monitoring-connect_timeout"));
  EXPECT_EQ(p.monitoring().at("connect_timeout"), "1");
  EXPECT_EQ(p.monitoring().at("sslmode"), "disable");
  EXPECT_DOUBLE_EQ(p.get_decimal("connect_timeout"), 30.0);
}

TEST(Properties, BadValuesNamePropertyValueAndWhatIsAccepted) {
  std::string e = config_error_of({{"connect_timeout", "soon"}});
  EXPECT_NE(e.find("'connect_timeout'"), std::string::npos) << e;
  EXPECT_NE(e.find("'soon'"), std::string::npos) << e;
  EXPECT_NE(e.find("a number"), std::string::npos) << e;

  e = config_error_of({{"connect_timeout", "-1"}});
  EXPECT_NE(e.find(">= 0"), std::string::npos) << e;

  e = config_error_of({{"auto_sort_wrapper_plugin_order", "maybe"}});
  EXPECT_NE(e.find("true or false"), std::string::npos) << e;

  e = config_error_of({{"dev_inject_error_on", "sometimes"}});
  EXPECT_NE(e.find("one of connect, execute"), std::string::npos) << e;

  e = config_error_of({{"dev_inject_error_count", "1.5"}});
  EXPECT_NE(e.find("an integer"), std::string::npos) << e;
}

TEST(Properties, ConfigErrorCarriesThePropertyName) {
  try {
    Properties::parse({{"socket_timeout", "x"}});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.property(), "socket_timeout");
  }
}

TEST(Properties, RegistryListsEveryBuiltinAndRejectsDuplicates) {
  auto defs = property_definitions();
  EXPECT_GE(defs.size(), 8u);
  for (const auto& d : defs) {
    EXPECT_FALSE(d.help.empty()) << d.name;
    EXPECT_EQ(find_property(d.name), find_property(d.name));
  }
  EXPECT_NE(find_property("plugins"), nullptr);
  EXPECT_EQ(find_property("plugins")->name, "wrapper_plugins");
  EXPECT_THROW(register_property({"connect_timeout", PropertyType::kString, "", "dup"}),
               ConfigError);
  register_property({"test_user_plugin_knob", PropertyType::kInteger, "7", "A user plugin's knob.",
                     "user", 0, 10});
  EXPECT_EQ(Properties::parse({}).get_int("test_user_plugin_knob"), 7);
  EXPECT_THROW(Properties::parse({{"test_user_plugin_knob", "11"}}), ConfigError);
}

// The property table takes the built-in plugins' properties from a list of its own (so it links
// without the plugins); it must name exactly the tables their registrations carry, in order.
TEST(Properties, BuiltinPluginPropertyGroupsAreTheRegistrationsProperties) {
  std::vector<const PropertyDefinition*> from_registrations;
  for (const auto& plugin : builtin_plugin_registrations())
    if (!plugin.properties.empty()) from_registrations.push_back(plugin.properties.data());
  std::vector<const PropertyDefinition*> groups;
  for (auto group : builtin_plugin_property_groups()) groups.push_back(group.data());
  EXPECT_EQ(groups, from_registrations);
  EXPECT_NE(find_property("iam_region"), nullptr);
  EXPECT_NE(find_property("secrets_manager_secret_id"), nullptr);
}

TEST(Properties, TypeMismatchIsAProgrammingError) {
  Properties p;
  EXPECT_THROW(p.get_int("connect_timeout"), std::logic_error);
  EXPECT_THROW(p.get_string("no_such_property"), std::logic_error);
}

}  // namespace
}  // namespace awrap::internal

namespace awrap::internal {
namespace {

TEST(Properties, FailoverModeAcceptsHyphensAndRejectsTheRest) {
  EXPECT_EQ(Properties::parse({{"failover_mode", "strict-writer"}}).get_choice("failover_mode"),
            "strict_writer");
  EXPECT_EQ(Properties::parse({{"failover_mode", "Reader-Or-Writer"}}).get_choice("failover_mode"),
            "reader_or_writer");
  try {
    Properties::parse({{"failover_mode", "writer"}});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("strict_writer, reader_or_writer, strict_reader"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(Properties::parse({{"failover_timeout_sec", "0"}}), ConfigError);
  EXPECT_THROW(Properties::parse({{"cluster_topology_high_refresh_rate_ms", "fast"}}), ConfigError);
}

}  // namespace
}  // namespace awrap::internal
