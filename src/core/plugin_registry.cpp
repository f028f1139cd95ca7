#include "core/plugin_registry.hpp"

#include <algorithm>
#include <mutex>

#include "awrap/errors.hpp"
#include "base/thread_annotations.hpp"

namespace awrap {

// The public API implemented with awrap's internals.
using namespace internal;
namespace {

struct PluginRegistry {
  Mutex mutex;
  std::vector<PluginRegistration> plugins GUARDED_BY(mutex);
};

PluginRegistry& registry() {
  static PluginRegistry* instance = [] {
    static PluginRegistry r;
    MutexLock lock(r.mutex);
    r.plugins = builtin_plugin_registrations();
    return &r;
  }();
  return *instance;
}

std::string known_codes(const std::vector<PluginRegistration>& plugins) {
  std::vector<std::string> codes;
  for (const auto& p : plugins) codes.push_back(p.code);
  std::sort(codes.begin(), codes.end());
  std::string out;
  for (const auto& c : codes) out += (out.empty() ? "" : ", ") + c;
  return out;
}

}  // namespace

void register_plugin(PluginRegistration registration) {
  if (registration.code.empty() || !registration.factory)
    throw ConfigError("a plugin registration needs a code and a factory", "wrapper_plugins");
  MutexLock lock(registry().mutex);
  for (const auto& p : registry().plugins)
    if (p.code == registration.code)
      throw ConfigError("plugin code '" + registration.code + "' is already registered",
                        "wrapper_plugins");
  // A user plugin's properties join the table like register_property's (same checks).
  for (const PropertyDefinition& definition : registration.properties)
    register_property(definition);
  registry().plugins.push_back(std::move(registration));
}

std::vector<PluginRegistration> registered_plugins() {
  MutexLock lock(registry().mutex);
  auto out = registry().plugins;
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.code < b.code; });
  return out;
}

std::vector<PluginRegistration> internal::resolve_plugins(const std::vector<std::string>& codes,
                                                          bool auto_sort) {
  std::vector<PluginRegistration> out;
  MutexLock lock(registry().mutex);
  for (const auto& code : codes) {
    auto it = std::find_if(registry().plugins.begin(), registry().plugins.end(),
                           [&](const auto& p) { return p.code == code; });
    if (it == registry().plugins.end())
      throw ConfigError("unknown plugin '" + code +
                            "' in property 'wrapper_plugins': known plugins are " +
                            known_codes(registry().plugins),
                        "wrapper_plugins");
    if (std::any_of(out.begin(), out.end(), [&](const auto& p) { return p.code == code; }))
      throw ConfigError("plugin '" + code + "' is listed twice in property 'wrapper_plugins'",
                        "wrapper_plugins");
    out.push_back(*it);
  }
  if (auto_sort)
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.weight < b.weight; });
  return out;
}

}  // namespace awrap
