#include "core/property_docs.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include "awrap/errors.hpp"
#include "awrap/ext/plugin.hpp"
#include "awrap/properties.hpp"
#include "core/plugin_registry.hpp"
#include "core/property_table.hpp"

namespace awrap::internal {
namespace {

const char* type_name(PropertyType t) {
  switch (t) {
    case PropertyType::kString:
      return "string";
    case PropertyType::kInteger:
      return "integer";
    case PropertyType::kDecimal:
      return "number";
    case PropertyType::kBoolean:
      return "boolean";
    case PropertyType::kChoice:
      return "choice";
    case PropertyType::kList:
      return "list";
  }
  return "string";
}

std::string accepted(const PropertyDefinition& d) {
  std::string out;
  if (d.type == PropertyType::kChoice) {
    out = std::string(d.choices);
    std::replace(out.begin(), out.end(), '|', ',');
    return "one of " + out;
  }
  if (d.type == PropertyType::kInteger || d.type == PropertyType::kDecimal) {
    bool lo = d.min != std::numeric_limits<std::int64_t>::min();
    bool hi = d.max != std::numeric_limits<std::int64_t>::max();
    if (lo && hi) return std::to_string(d.min) + " to " + std::to_string(d.max);
    if (lo) return ">= " + std::to_string(d.min);
    if (hi) return "<= " + std::to_string(d.max);
  }
  return type_name(d.type);
}

std::map<std::string, std::vector<PropertyDefinition>> by_group(bool builtin_only) {
  std::map<std::string, std::vector<PropertyDefinition>> groups;
  auto defs = builtin_only ? builtin_property_definitions() : property_definitions();
  for (const auto& d : defs) groups[std::string(d.group)].push_back(d);
  return groups;
}

}  // namespace

std::string render_properties_help() {
  std::ostringstream out;
  out << "PROPERTIES (give them in the URL query, the keyword string, or with --set name=value;\n"
         "prefix 'monitoring-' applies one to monitoring connections only)\n";
  for (const auto& [group, defs] : by_group(false)) {
    out << "\n  [" << group << "]\n";
    for (const auto& d : defs) {
      out << "  " << d.name;
      if (!d.alias.empty()) out << " (alias " << d.alias << ")";
      out << "  <" << accepted(d) << ">";
      if (!d.default_value.empty()) out << "  default " << d.default_value;
      out << "\n      " << d.help << "\n";
    }
  }
  out << "\nPLUGINS (wrapper_plugins)\n";
  for (const auto& p : registered_plugins())
    out << "  " << p.code << "  (weight " << p.weight << ")  " << p.help << "\n";
  out << "\nERRORS (awrap query prints the class; docs/errors.md says what to do)\n"
         "  ConfigError, ConnectError, AuthError, QueryError, QueryCancelledError,\n"
         "  ReadOnlyViolationError, ConnectionLostError, ConnectionClosedError (also: a\n"
         "  Connection used in a fork() child), ReadWriteSplittingError, PoolTimeoutError,\n"
         "  FailoverSuccessError (08S02: run the statement again),\n"
         "  TransactionResolutionUnknownError (08007: it may have committed; check),\n"
         "  FailoverFailedError (08001: no fitting host within failover_timeout_sec);\n"
         "  a failover error's message names the session state it could not restore\n";
  return out.str();
}

std::string render_configuration_markdown() {
  std::ostringstream out;
  out << "# Configuration reference\n\n"
         "Generated from the property registry (`src/core/property_table.cpp`) by "
         "`awrap config-reference`; a unit test fails when this file and the registry disagree.\n\n"
         "Properties are given in the connection URL's query (`?name=value`), in a keyword "
         "string (`name=value`), or in the `PropertyMap` passed to `Connection::open` (which "
         "wins). "
         "A name not listed here is handed to the native driver (libpq keywords, Connector/C "
         "options). Prefix `monitoring-` applies a property to awrap's monitoring connections "
         "only. A wrong value fails `Connection::open` with `ConfigError` naming the property, "
         "the value and what is accepted.\n";
  for (const auto& [group, defs] : by_group(true)) {
    out << "\n## " << group
        << "\n\n| property | type | default | accepted | description |\n|---|---|---|---|---|\n";
    for (const auto& d : defs) {
      out << "| `" << d.name << "`";
      if (!d.alias.empty()) out << " (alias `" << d.alias << "`)";
      out << " | " << type_name(d.type) << " | "
          << (d.default_value.empty() ? "" : "`" + std::string(d.default_value) + "`") << " | "
          << accepted(d) << " | " << d.help << (d.secret ? " Masked in logs and errors." : "")
          << " |\n";
    }
  }
  out << "\n## Plugins\n\n| code | weight | what it does |\n|---|---|---|\n";
  auto plugins = builtin_plugin_registrations();
  std::sort(plugins.begin(), plugins.end(),
            [](const auto& a, const auto& b) { return a.code < b.code; });
  for (const auto& p : plugins)
    out << "| `" << p.code << "` | " << p.weight << " | " << p.help << " |\n";
  return out.str();
}

std::string error_class_name(const std::exception& e) {
  if (const auto* error = dynamic_cast<const Error*>(&e)) return awrap::error_class_name(*error);
  return "std::exception";
}

}  // namespace awrap::internal
