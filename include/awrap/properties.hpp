// Connection properties: one registry declares every property awrap understands (name, type,
// default, accepted range, help). Parsing, validation, `awrap --help` and docs/configuration.md
// all come from it.
//
//   awrap::PropertyMap props{{"wrapper_plugins", "failover,host_monitoring"},
//                            {"failover_timeout_sec", "30"}};
//   auto conn = awrap::Connection::open("postgresql://app@db.example.com/app", props);
//
// Properties not in the registry are native driver options and pass through untouched (libpq
// rejects unknown keywords, which awrap reports as ConfigError). A property prefixed with
// "monitoring-" applies only to awrap's own monitoring connections.
#pragma once

#include "awrap/export.hpp"

#include <cstdint>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace awrap {

using PropertyMap = std::map<std::string, std::string, std::less<>>;

enum class PropertyType : std::uint8_t {
  kString,
  kInteger,  // decimal integer within [min, max]
  kDecimal,  // decimal number within [min, max] (e.g. connect_timeout=0.5)
  kBoolean,  // true/false, on/off, yes/no, 1/0
  kChoice,   // one of `choices` ('|'-separated); '-' and '_' are interchangeable
  kList,     // comma-separated list
};

struct AWRAP_EXPORT PropertyDefinition {
  std::string_view name;
  PropertyType type;
  std::string_view default_value;  // empty: no default
  std::string_view help;
  std::string_view group = "general";  // for docs and --help: general, failover, monitoring, …
  std::int64_t min = std::numeric_limits<std::int64_t>::min();
  std::int64_t max = std::numeric_limits<std::int64_t>::max();
  std::string_view choices = {};  // kChoice: "strict_writer|reader_or_writer|strict_reader"
  bool secret = false;            // value is masked in logs and errors
  std::string_view alias = {};    // accepted alternative name (e.g. "plugins")
};

// Every registered definition, built-ins first. Thread-safe.
AWRAP_EXPORT std::vector<PropertyDefinition> property_definitions();
// nullptr when `name` (or an alias) is not registered. Thread-safe.
AWRAP_EXPORT const PropertyDefinition* find_property(std::string_view name);
// Registers a property for a user plugin. Strings must have static storage duration (literals).
// Throws ConfigError when the name is taken. Thread-safe.
AWRAP_EXPORT void register_property(const PropertyDefinition& definition);

// The validated wrapper properties of one connection, plus the native options left over.
class AWRAP_EXPORT Properties {
 public:
  Properties() = default;
  // Validates every registered property in `user` (aliases resolved, values checked). Throws
  // ConfigError naming the property, the value and what is accepted.
  static Properties parse(const PropertyMap& user);

  // Typed access with the registered default applied. REQUIRES: `name` is registered with the
  // matching type (a mismatch is a programming error and throws std::logic_error).
  std::string get_string(std::string_view name) const;
  std::int64_t get_int(std::string_view name) const;
  double get_decimal(std::string_view name) const;
  bool get_bool(std::string_view name) const;
  // The canonical choice (underscores), e.g. "strict_writer" for "strict-writer".
  std::string get_choice(std::string_view name) const;
  std::vector<std::string> get_list(std::string_view name) const;
  bool is_set(std::string_view name) const;

  // Registered properties the user set (canonical names), validated.
  const PropertyMap& wrapper() const noexcept { return wrapper_; }
  // Everything else: options for the native driver.
  const PropertyMap& native() const noexcept { return native_; }
  // Options given with the "monitoring-" prefix (prefix removed).
  const PropertyMap& monitoring() const noexcept { return monitoring_; }

  // Overrides one value after validation (used by plugins, e.g. iam sets the password).
  void set_native(std::string name, std::string value) {
    native_[std::move(name)] = std::move(value);
  }

 private:
  const std::string* find_value(std::string_view name) const;
  PropertyMap wrapper_;
  PropertyMap native_;
  PropertyMap monitoring_;
};

}  // namespace awrap
