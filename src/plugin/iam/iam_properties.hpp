// Properties of the iam plugin, registered with the plugin (its PluginRegistration::properties).
#pragma once

#include <array>

#include "awrap/properties.hpp"

namespace awrap::internal::plugin::iam {

inline constexpr std::string_view kIamHost = "iam_host";
inline constexpr std::string_view kIamDefaultPort = "iam_default_port";
inline constexpr std::string_view kIamRegion = "iam_region";
inline constexpr std::string_view kIamExpiration = "iam_expiration";
inline constexpr std::string_view kAwsProfile = "aws_profile";
inline constexpr std::string_view kIamAllowCleartextWithoutTls = "iam_allow_cleartext_without_tls";

inline constexpr std::array<PropertyDefinition, 6> kIamProperties{{
    {.name = kIamHost,
     .type = PropertyType::kString,
     .default_value = "",
     .help = "Host name signed into the IAM token instead of the connection's host (connecting "
             "through a tunnel, a proxy or an IP address)",
     .group = "iam"},
    {.name = kIamDefaultPort,
     .type = PropertyType::kInteger,
     .default_value = "",
     .help = "Port signed into the IAM token instead of the connection's port",
     .group = "iam",
     .min = 1,
     .max = 65535},
    {.name = kIamRegion,
     .type = PropertyType::kString,
     .default_value = "",
     .help = "AWS region of the database; default: from an RDS host name, AWS_REGION, "
             "AWS_DEFAULT_REGION, then the profile's region",
     .group = "iam"},
    {.name = kIamExpiration,
     .type = PropertyType::kInteger,
     .default_value = "870",
     .help = "Seconds an IAM token is reused before a new one is generated (tokens are valid "
             "for 900 s)",
     .group = "iam",
     .min = 1,
     .max = 900},
    {.name = kAwsProfile,
     .type = PropertyType::kString,
     .default_value = "",
     .help = "Profile of ~/.aws/credentials and ~/.aws/config to take AWS credentials and region "
             "from; default: AWS_PROFILE, else 'default'",
     .group = "iam"},
    {.name = kIamAllowCleartextWithoutTls,
     .type = PropertyType::kBoolean,
     .default_value = "false",
     .help = "Send the IAM token (a cleartext password) even when TLS is not required: "
             "MySQL ssl_mode below REQUIRED, PostgreSQL sslmode below require. Unsafe outside "
             "test labs",
     .group = "iam"},
}};

}  // namespace awrap::internal::plugin::iam
