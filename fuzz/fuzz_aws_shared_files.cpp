// Fuzzes the reader of the AWS shared files (~/.aws/credentials and ~/.aws/config, INI). The
// input is the credentials file, then a NUL byte, then the config file. Besides crashes it checks:
//  - section names, keys and values come out trimmed; keys lower-case and without '=';
//  - the sections written back as INI parse to the same sections;
//  - setting() returns what the credentials file says, else a value the config file holds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "aws/shared_config.hpp"
#include "fuzz_check.hpp"

namespace {

using awrap::internal::aws::ProfileSections;

bool blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool trimmed(std::string_view s) {
  return s.empty() || (!blank(s.front()) && !blank(s.back()));
}

std::string describe(const ProfileSections& sections) {
  std::string out;
  for (const auto& [name, settings] : sections) {
    out += "\n  [" + name + "]";
    for (const auto& [k, v] : settings) out += " '" + k + "'='" + v + "'";
  }
  return out;
}

// The INI text for `sections`, or nullopt when INI cannot say it (a ']' in a name, a key that
// would read as a comment or a header).
std::optional<std::string> as_ini(const ProfileSections& sections) {
  std::string out;
  for (const auto& [name, settings] : sections) {
    if (name.find_first_of("]\n") != std::string::npos) return std::nullopt;
    out += "[" + name + "]\n";
    for (const auto& [key, value] : settings) {
      if (!key.empty() && (key.front() == '#' || key.front() == ';' || key.front() == '['))
        return std::nullopt;
      out += key + "=" + value + "\n";
    }
  }
  return out;
}

void check_sections(std::string_view text) {
  ProfileSections sections = awrap::internal::aws::parse_ini(text);
  for (const auto& [name, settings] : sections) {
    FUZZ_CHECK(trimmed(name), describe(sections));
    for (const auto& [key, value] : settings) {
      FUZZ_CHECK(trimmed(key) && trimmed(value), describe(sections));
      FUZZ_CHECK(key.find('=') == std::string::npos, describe(sections));
      for (char c : key) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'), describe(sections));
      FUZZ_CHECK(value.find('\n') == std::string::npos, describe(sections));
    }
  }
  if (auto ini = as_ini(sections)) {
    ProfileSections again = awrap::internal::aws::parse_ini(*ini);
    FUZZ_CHECK(again == sections,
               *ini + "\n first:" + describe(sections) + "\n second:" + describe(again));
  }
}

void check_settings(std::string_view credentials, std::string_view config) {
  auto files = awrap::internal::aws::SharedConfigFiles::from_text(credentials, config);
  ProfileSections raw_credentials = awrap::internal::aws::parse_ini(credentials);
  for (const auto& [profile, settings] : raw_credentials) {
    for (const auto& [key, value] : settings) {
      auto found = files.setting(profile, key);
      if (!value.empty())
        FUZZ_CHECK(found && *found == value, "[" + profile + "] " + key + " = " + value);
    }
  }
  // Whatever the config file gives comes from a section that names the profile.
  ProfileSections raw_config = awrap::internal::aws::parse_ini(config);
  for (const auto& [section, settings] : raw_config) {
    for (const auto& [key, value] : settings) {
      std::string_view profile = section;
      if (profile.starts_with("profile ")) profile.remove_prefix(8);
      while (!profile.empty() && blank(profile.front())) profile.remove_prefix(1);
      auto found = files.setting(profile, key);
      if (!found) continue;
      bool explained = false;
      if (const auto* c = files.credentials_profile(profile); c && c->contains(key))
        explained = c->at(key) == *found;
      for (const auto& [other, other_settings] : raw_config)
        if (auto it = other_settings.find(key); it != other_settings.end() && it->second == *found)
          explained = true;
      FUZZ_CHECK(explained, "[" + section + "] " + key + " -> " + *found);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto nul = input.find('\0');
  std::string_view credentials = input.substr(0, nul);
  std::string_view config =
      nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);
  check_sections(credentials);
  check_sections(config);
  check_settings(credentials, config);
  return 0;
}
