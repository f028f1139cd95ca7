// The AWS shared files: ~/.aws/credentials and ~/.aws/config (INI).
//
//   auto files = aws::SharedConfigFiles::load(env);
//   const auto* profile = files.credentials_profile("default");
//
// Rules, as the AWS CLI reads them: sections are `[name]` in the credentials file and
// `[profile name]` in the config file (`[default]` there too); lines starting with '#' or ';'
// are comments; `key = value` with spaces trimmed; indented lines belong to a nested block
// (e.g. `s3 =`) and are skipped. A missing file is an empty file. Paths come from
// AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE, else ~/.aws/credentials and ~/.aws/config.
//
// Thread-safety: a loaded SharedConfigFiles is immutable.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "aws/environment.hpp"

namespace awrap::internal::aws {

using ProfileSettings = std::map<std::string, std::string, std::less<>>;
using ProfileSections = std::map<std::string, ProfileSettings, std::less<>>;

// Parses INI text into sections (names as written between the brackets, trimmed).
ProfileSections parse_ini(std::string_view text);

class SharedConfigFiles {
 public:
  static SharedConfigFiles load(const EnvironmentLookup& env);
  static SharedConfigFiles from_text(std::string_view credentials_text,
                                     std::string_view config_text);

  // nullptr when the file has no such profile.
  const ProfileSettings* credentials_profile(std::string_view profile) const;
  const ProfileSettings* config_profile(std::string_view profile) const;
  // A setting of a profile: the credentials file first, then the config file.
  std::optional<std::string> setting(std::string_view profile, std::string_view key) const;

  const std::string& credentials_path() const noexcept { return credentials_path_; }
  const std::string& config_path() const noexcept { return config_path_; }

 private:
  std::string credentials_path_;
  std::string config_path_;
  ProfileSections credentials_;
  ProfileSections config_;  // keyed by profile name ("profile " prefix removed)
};

// The profile to use: `explicit_profile` (the aws_profile property) when not empty, else
// AWS_PROFILE, else "default".
std::string selected_profile(std::string_view explicit_profile, const EnvironmentLookup& env);

}  // namespace awrap::internal::aws
