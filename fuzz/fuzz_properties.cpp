// Fuzzes Properties::parse with the built-in property table. The input is lines "name=value"
// (a line without '=' is a name with an empty value). Besides crashes it checks:
//  - only ConfigError escapes, naming a property the input set;
//  - a secret property's value never shows in the error;
//  - parsing what parse() kept (canonical values) again keeps the same values;
//  - every typed getter of every built-in property works on the result (no logic_error, no
//    unparsable stored value).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "awrap/errors.hpp"
#include "awrap/properties.hpp"
#include "core/property_table.hpp"
#include "fuzz_check.hpp"

namespace {

using awrap::ConfigError;
using awrap::Properties;
using awrap::PropertyMap;
using awrap::PropertyType;

std::string describe(const PropertyMap& map) {
  std::string out = "{";
  for (const auto& [k, v] : map) out += "'" + k + "'='" + v + "' ";
  return out + "}";
}

bool is_secret(std::string_view name) {
  if (name.starts_with("monitoring-")) name.remove_prefix(11);
  const auto* def = awrap::find_property(name);
  return def != nullptr && def->secret;
}

PropertyMap map_from(std::string_view input) {
  PropertyMap map;
  std::size_t start = 0;
  while (start <= input.size()) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    std::string_view line = input.substr(start, end - start);
    start = end + 1;
    auto eq = line.find('=');
    std::string name(line.substr(0, eq));
    std::string value(eq == std::string_view::npos ? std::string_view() : line.substr(eq + 1));
    if (is_secret(name)) value = awrap::internal::fuzz::marked_secret(value);
    map[name] = value;
  }
  return map;
}

void read_every_property(const Properties& p) {
  for (const auto& def : awrap::internal::builtin_property_definitions()) {
    switch (def.type) {
      case PropertyType::kString:
        (void)p.get_string(def.name);
        break;
      case PropertyType::kInteger: {
        std::int64_t v = p.get_int(def.name);
        if (p.is_set(def.name))
          FUZZ_CHECK(v >= def.min && v <= def.max, std::string(def.name) + "=" + std::to_string(v));
        break;
      }
      case PropertyType::kDecimal: {
        double v = p.get_decimal(def.name);
        if (p.is_set(def.name))
          FUZZ_CHECK(v >= static_cast<double>(def.min) && v <= static_cast<double>(def.max),
                     std::string(def.name) + "=" + std::to_string(v));
        break;
      }
      case PropertyType::kBoolean:
        (void)p.get_bool(def.name);
        break;
      case PropertyType::kChoice:
        (void)p.get_choice(def.name);
        break;
      case PropertyType::kList:
        (void)p.get_list(def.name);
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (awrap::internal::fuzz::shows_secret_marker(input)) return 0;
  PropertyMap map = map_from(input);
  Properties parsed;
  try {
    parsed = Properties::parse(map);
  } catch (const ConfigError& e) {
    FUZZ_CHECK(!awrap::internal::fuzz::shows_secret_marker(e.what()),
               describe(map) + " -> " + e.what());
    bool named = false;
    for (const auto& [name, value] : map) {
      std::string_view n = name;
      if (n.starts_with("monitoring-")) n.remove_prefix(11);
      const auto* def = awrap::find_property(n);
      if (def != nullptr && def->name == e.property()) named = true;
    }
    FUZZ_CHECK(named, describe(map) + " -> " + e.what() + " names property '" + e.property() +
                          "', which the input did not set");
    return 0;
  }
  read_every_property(parsed);
  Properties again = Properties::parse(parsed.wrapper());
  FUZZ_CHECK(again.wrapper() == parsed.wrapper(), describe(map) +
                                                      "\n  first:  " + describe(parsed.wrapper()) +
                                                      "\n  second: " + describe(again.wrapper()));
  FUZZ_CHECK(again.native().empty(), describe(again.native()));
  return 0;
}
