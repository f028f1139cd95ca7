#include "aws/environment.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

namespace awrap::internal::aws {

EnvironmentLookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    std::string key(name);
    const char* value = std::getenv(key.c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

EnvironmentLookup fixed_environment(std::map<std::string, std::string, std::less<>> variables) {
  return [variables = std::move(variables)](std::string_view name) -> std::optional<std::string> {
    auto it = variables.find(name);
    if (it == variables.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

std::string home_directory(const EnvironmentLookup& env) {
  if (auto home = env("HOME")) return *home;
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* result = nullptr;
  if (getpwuid_r(getuid(), &entry, buffer.data(), buffer.size(), &result) == 0 && result &&
      result->pw_dir) {
    return result->pw_dir;
  }
  return {};
}

std::string expand_home(std::string_view path, const EnvironmentLookup& env) {
  if (path == "~" || path.starts_with("~/"))
    return home_directory(env) + std::string(path.substr(1));
  return std::string(path);
}

}  // namespace awrap::internal::aws
