// Environment variables as AWS code reads them, injected so tests never touch the process's
// environment (setenv is not thread-safe) and never inherit the developer's AWS settings.
//
//   auto env = aws::process_environment();
//   if (auto region = env("AWS_REGION")) use(*region);
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace awrap::internal::aws {

// The value of a variable; nullopt when unset. An empty value counts as unset, as the AWS SDKs
// treat it.
using EnvironmentLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Reads the process environment (getenv). Thread-safe as long as nobody calls setenv.
EnvironmentLookup process_environment();
// A fixed map (tests, and callers that want explicit settings only).
EnvironmentLookup fixed_environment(std::map<std::string, std::string, std::less<>> variables);

// The user's home directory for "~" in AWS file paths: HOME, else the password database.
std::string home_directory(const EnvironmentLookup& env);
// Replaces a leading "~/" by the home directory.
std::string expand_home(std::string_view path, const EnvironmentLookup& env);

}  // namespace awrap::internal::aws
