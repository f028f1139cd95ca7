#include "aws/shared_config.hpp"

#include <fstream>
#include <sstream>

namespace awrap::internal::aws {
namespace {

std::string_view trim(std::string_view text) {
  auto is_blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return text;
}

std::string read_file_or_empty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

ProfileSections config_sections_by_profile(const ProfileSections& raw) {
  ProfileSections out;
  for (const auto& [name, settings] : raw) {
    if (name == "default") {
      // "[profile default]" wins over "[default]" when both exist, as in the AWS CLI.
      out.try_emplace("default", settings);
    } else if (name.starts_with("profile ")) {
      std::string profile(trim(std::string_view(name).substr(8)));
      out.insert_or_assign(profile, settings);
    }
    // Other sections ([sso-session x], [services x]) are not profiles.
  }
  return out;
}

}  // namespace

ProfileSections parse_ini(std::string_view text) {
  ProfileSections sections;
  ProfileSettings* current = nullptr;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw_line = text.substr(start, end - start);
    start = end + 1;
    std::string_view line = trim(raw_line);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      std::size_t close = line.find(']');
      if (close == std::string_view::npos) {
        current = nullptr;  // malformed header: ignore its keys rather than misfile them
        continue;
      }
      current = &sections[std::string(trim(line.substr(1, close - 1)))];
      continue;
    }
    if (current == nullptr) continue;
    if (raw_line.front() == ' ' || raw_line.front() == '\t') continue;  // nested block
    std::size_t equals = line.find('=');
    if (equals == std::string_view::npos) continue;
    std::string key(trim(line.substr(0, equals)));
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    (*current)[key] = std::string(trim(line.substr(equals + 1)));
  }
  return sections;
}

SharedConfigFiles SharedConfigFiles::load(const EnvironmentLookup& env) {
  std::string credentials_path =
      expand_home(env("AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"), env);
  std::string config_path = expand_home(env("AWS_CONFIG_FILE").value_or("~/.aws/config"), env);
  SharedConfigFiles files =
      from_text(read_file_or_empty(credentials_path), read_file_or_empty(config_path));
  files.credentials_path_ = std::move(credentials_path);
  files.config_path_ = std::move(config_path);
  return files;
}

SharedConfigFiles SharedConfigFiles::from_text(std::string_view credentials_text,
                                               std::string_view config_text) {
  SharedConfigFiles files;
  files.credentials_ = parse_ini(credentials_text);
  files.config_ = config_sections_by_profile(parse_ini(config_text));
  return files;
}

const ProfileSettings* SharedConfigFiles::credentials_profile(std::string_view profile) const {
  auto it = credentials_.find(profile);
  return it == credentials_.end() ? nullptr : &it->second;
}

const ProfileSettings* SharedConfigFiles::config_profile(std::string_view profile) const {
  auto it = config_.find(profile);
  return it == config_.end() ? nullptr : &it->second;
}

std::optional<std::string> SharedConfigFiles::setting(std::string_view profile,
                                                      std::string_view key) const {
  for (const ProfileSettings* settings : {credentials_profile(profile), config_profile(profile)}) {
    if (settings == nullptr) continue;
    auto it = settings->find(key);
    if (it != settings->end() && !it->second.empty()) return it->second;
  }
  return std::nullopt;
}

std::string selected_profile(std::string_view explicit_profile, const EnvironmentLookup& env) {
  if (!explicit_profile.empty()) return std::string(explicit_profile);
  return env("AWS_PROFILE").value_or("default");
}

}  // namespace awrap::internal::aws
