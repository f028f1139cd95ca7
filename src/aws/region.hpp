// Which AWS region to sign for.
//
//   std::string region = aws::resolve_region({.explicit_region = props_region,
//                                                    .host =
//                                                    "db.abc.eu-west-1.rds.amazonaws.com"});
//
// Order: the explicit value (iam_region property), else the region in an RDS host name, else
// AWS_REGION, else AWS_DEFAULT_REGION, else `region` of the selected profile in ~/.aws/config.
// None: awrap::ConfigError naming what to set.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "aws/environment.hpp"

namespace awrap::internal::aws {

// The region inside an RDS endpoint name, or nullopt:
//   <name>.<id>.<region>.rds.amazonaws.com          (commercial and GovCloud)
//   <name>.<id>.rds.<region>.amazonaws.com.cn       (China)
//   <name>.<id>.<region>.rds.amazonaws.com.cn       (China, older form)
// Case-insensitive; the result is lowercase.
std::optional<std::string> region_from_rds_host(std::string_view host);

// True for names like us-east-1, eu-central-2, us-gov-west-1, cn-north-1, us-iso-east-1.
bool looks_like_region(std::string_view text);

struct RegionSources {
  std::string explicit_region;  // iam_region / secrets_manager_region; wins when set
  std::string host;             // the database host, searched for an RDS region
  std::string profile;          // aws_profile; empty: AWS_PROFILE, else "default"
  EnvironmentLookup environment = process_environment();
  // Named in the ConfigError (e.g. "iam_region").
  std::string property_name = "iam_region";
};

std::string resolve_region(const RegionSources& sources);

}  // namespace awrap::internal::aws
