#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <optional>
#include <stdexcept>

#include "awrap/errors.hpp"
#include "awrap/properties.hpp"
#include "base/text.hpp"

namespace awrap {

// The public API implemented with awrap's internals.
using namespace internal;
namespace {

constexpr std::string_view kMonitoringPrefix = "monitoring-";

std::string shown_value(const PropertyDefinition& def, std::string_view value) {
  return def.secret ? std::string("***") : "'" + std::string(value) + "'";
}

[[noreturn]] void reject(const PropertyDefinition& def, std::string_view value,
                         std::string_view accepted) {
  throw ConfigError("invalid value " + shown_value(def, value) + " for property '" +
                        std::string(def.name) + "': expected " + std::string(accepted),
                    std::string(def.name));
}

std::string range_text(const PropertyDefinition& def) {
  std::string out;
  if (def.min != std::numeric_limits<std::int64_t>::min()) out += " >= " + std::to_string(def.min);
  if (def.max != std::numeric_limits<std::int64_t>::max())
    out += (out.empty() ? " <= " : " and <= ") + std::to_string(def.max);
  return out;
}

std::optional<bool> parse_boolean(std::string_view v) {
  std::string s = text::lower(text::trim(v));
  if (s == "true" || s == "on" || s == "yes" || s == "1") return true;
  if (s == "false" || s == "off" || s == "no" || s == "0") return false;
  return std::nullopt;
}

std::string canonical_choice(std::string_view v) {
  std::string s = text::lower(text::trim(v));
  std::replace(s.begin(), s.end(), '-', '_');
  return s;
}

// Validates `value` against `def`; returns the canonical text to store.
std::string validate(const PropertyDefinition& def, std::string_view value) {
  switch (def.type) {
    case PropertyType::kString:
    case PropertyType::kList:
      return std::string(value);
    case PropertyType::kInteger: {
      std::string_view t = text::trim(value);
      std::int64_t n{};
      auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
      if (t.empty() || ec != std::errc() || end != t.data() + t.size() || n < def.min ||
          n > def.max)
        reject(def, value, "an integer" + range_text(def));
      return std::to_string(n);
    }
    case PropertyType::kDecimal: {
      std::string t(text::trim(value));
      double d{};
      auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
      if (t.empty() || ec != std::errc() || end != t.data() + t.size() ||
          d < static_cast<double>(def.min) || d > static_cast<double>(def.max) || d != d)
        reject(def, value, "a number" + range_text(def));
      return t;
    }
    case PropertyType::kBoolean: {
      auto b = parse_boolean(value);
      if (!b) reject(def, value, "true or false (also on/off, yes/no, 1/0)");
      return *b ? "true" : "false";
    }
    case PropertyType::kChoice: {
      std::string c = canonical_choice(value);
      if (c.empty() && def.default_value.empty()) return c;
      for (auto choice : text::split(def.choices, '|'))
        if (canonical_choice(choice) == c) return c;
      std::string accepted = "one of ";
      for (auto choice : text::split(def.choices, '|')) accepted += std::string(choice) + ", ";
      accepted.resize(accepted.size() - 2);
      reject(def, value, accepted);
    }
  }
  return std::string(value);
}

const PropertyDefinition& definition_of(std::string_view name, PropertyType expected) {
  const PropertyDefinition* def = find_property(name);
  if (!def) throw std::logic_error("property '" + std::string(name) + "' is not registered");
  if (def->type != expected)
    throw std::logic_error("property '" + std::string(name) + "' read with the wrong type");
  return *def;
}

}  // namespace

Properties Properties::parse(const PropertyMap& user) {
  Properties out;
  for (const auto& [raw_name, value] : user) {
    std::string_view name = raw_name;
    bool monitoring = name.starts_with(kMonitoringPrefix);
    if (monitoring) name.remove_prefix(kMonitoringPrefix.size());
    const PropertyDefinition* def = find_property(name);
    if (monitoring) {
      out.monitoring_[std::string(def ? def->name : name)] = def ? validate(*def, value) : value;
      continue;
    }
    if (!def) {
      out.native_[raw_name] = value;
      continue;
    }
    std::string canonical(def->name);
    if (out.wrapper_.contains(canonical) && name != def->name) continue;  // the full name wins
    out.wrapper_[canonical] = validate(*def, value);
  }
  return out;
}

const std::string* Properties::find_value(std::string_view name) const {
  auto it = wrapper_.find(name);
  return it == wrapper_.end() ? nullptr : &it->second;
}

bool Properties::is_set(std::string_view name) const {
  return find_value(name) != nullptr;
}

std::string Properties::get_string(std::string_view name) const {
  const auto& def = definition_of(name, PropertyType::kString);
  const std::string* v = find_value(def.name);
  return v ? *v : std::string(def.default_value);
}

std::int64_t Properties::get_int(std::string_view name) const {
  const auto& def = definition_of(name, PropertyType::kInteger);
  const std::string* v = find_value(def.name);
  std::string_view t = v ? std::string_view(*v) : def.default_value;
  std::int64_t n = 0;
  std::from_chars(t.data(), t.data() + t.size(), n);
  return n;
}

double Properties::get_decimal(std::string_view name) const {
  const auto& def = definition_of(name, PropertyType::kDecimal);
  const std::string* v = find_value(def.name);
  std::string_view t = v ? std::string_view(*v) : def.default_value;
  double d = 0;
  std::from_chars(t.data(), t.data() + t.size(), d);
  return d;
}

bool Properties::get_bool(std::string_view name) const {
  const auto& def = definition_of(name, PropertyType::kBoolean);
  const std::string* v = find_value(def.name);
  return parse_boolean(v ? std::string_view(*v) : def.default_value).value_or(false);
}

std::string Properties::get_choice(std::string_view name) const {
  const auto& def = definition_of(name, PropertyType::kChoice);
  const std::string* v = find_value(def.name);
  return v ? *v : canonical_choice(def.default_value);
}

std::vector<std::string> Properties::get_list(std::string_view name) const {
  const auto& def = definition_of(name, PropertyType::kList);
  const std::string* v = find_value(def.name);
  std::vector<std::string> out;
  for (auto item : text::split(v ? std::string_view(*v) : def.default_value, ','))
    if (auto t = text::trim(item); !t.empty()) out.emplace_back(t);
  return out;
}

}  // namespace awrap
