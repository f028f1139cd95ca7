#include "aws/region.hpp"

#include <cctype>
#include <vector>

#include "awrap/errors.hpp"
#include "aws/shared_config.hpp"

namespace awrap::internal::aws {
namespace {

std::vector<std::string> labels_of(std::string_view host) {
  std::vector<std::string> labels;
  std::string current;
  for (char c : host) {
    if (c == '.') {
      labels.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  labels.push_back(std::move(current));
  if (!labels.empty() && labels.back().empty()) labels.pop_back();  // trailing dot (FQDN)
  return labels;
}

}  // namespace

bool looks_like_region(std::string_view text) {
  // <letters>(-<letters>)+-<digits>, e.g. us-east-1, us-gov-west-1, ap-southeast-2.
  std::size_t parts = 0;
  std::size_t start = 0;
  bool last_was_digits = false;
  while (start <= text.size()) {
    std::size_t end = text.find('-', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view part = text.substr(start, end - start);
    if (part.empty()) return false;
    bool letters = true, digits = true;
    for (char c : part) {
      letters = letters && c >= 'a' && c <= 'z';
      digits = digits && c >= '0' && c <= '9';
    }
    if (!letters && !digits) return false;
    if (digits && end != text.size()) return false;  // digits only at the end
    last_was_digits = digits;
    ++parts;
    start = end + 1;
  }
  return parts >= 3 && last_was_digits;
}

std::optional<std::string> region_from_rds_host(std::string_view host) {
  std::vector<std::string> labels = labels_of(host);
  std::size_t n = labels.size();
  auto candidate = [&](std::size_t index) -> std::optional<std::string> {
    if (looks_like_region(labels[index])) return labels[index];
    return std::nullopt;
  };
  // <region>.rds.amazonaws.com
  if (n >= 4 && labels[n - 1] == "com" && labels[n - 2] == "amazonaws" && labels[n - 3] == "rds") {
    return candidate(n - 4);
  }
  if (n >= 5 && labels[n - 1] == "cn" && labels[n - 2] == "com" && labels[n - 3] == "amazonaws") {
    // rds.<region>.amazonaws.com.cn
    if (labels[n - 5] == "rds") return candidate(n - 4);
    // <region>.rds.amazonaws.com.cn
    if (labels[n - 4] == "rds") return candidate(n - 5);
  }
  return std::nullopt;
}

std::string resolve_region(const RegionSources& sources) {
  if (!sources.explicit_region.empty()) {
    // A typo would only show up as a refused token; say so now.
    if (!looks_like_region(sources.explicit_region)) {
      throw ConfigError(sources.property_name + "='" + sources.explicit_region +
                            "' is not an AWS region name (e.g. us-east-1, eu-west-2)",
                        sources.property_name);
    }
    return sources.explicit_region;
  }
  if (auto region = region_from_rds_host(sources.host)) return *region;
  const EnvironmentLookup& env = sources.environment;
  if (auto region = env("AWS_REGION")) return *region;
  if (auto region = env("AWS_DEFAULT_REGION")) return *region;
  std::string profile = selected_profile(sources.profile, env);
  SharedConfigFiles files = SharedConfigFiles::load(env);
  if (const ProfileSettings* settings = files.config_profile(profile)) {
    if (auto it = settings->find("region"); it != settings->end() && !it->second.empty()) {
      return it->second;
    }
  }
  throw ConfigError("no AWS region for host '" + sources.host + "': set " + sources.property_name +
                        " (e.g. " + sources.property_name +
                        "=us-east-1), AWS_REGION, or region in profile '" + profile + "' of " +
                        files.config_path(),
                    sources.property_name);
}

}  // namespace awrap::internal::aws
