// Properties of the aws_secrets_manager plugin, registered with the plugin (its
// PluginRegistration::properties). aws_profile is shared with the iam plugin and declared there.
#pragma once

#include <array>

#include "awrap/properties.hpp"

namespace awrap::internal::plugin::secrets_manager {

inline constexpr std::string_view kSecretId = "secrets_manager_secret_id";
inline constexpr std::string_view kRegion = "secrets_manager_region";
inline constexpr std::string_view kEndpoint = "secrets_manager_endpoint";
inline constexpr std::string_view kUsernameKey = "secrets_manager_secret_username_key";
inline constexpr std::string_view kPasswordKey = "secrets_manager_secret_password_key";
inline constexpr std::string_view kExpiration = "secrets_manager_expiration";
inline constexpr std::string_view kRotationTimeout = "secrets_manager_rotation_timeout_sec";

inline constexpr std::array<PropertyDefinition, 7> kSecretsManagerProperties{{
    {.name = kSecretId,
     .type = PropertyType::kString,
     .default_value = "",
     .help = "aws_secrets_manager: name or ARN of the secret holding the database user name and "
             "password (required with the plugin)",
     .group = "secrets_manager"},
    {.name = kRegion,
     .type = PropertyType::kString,
     .default_value = "",
     .help = "aws_secrets_manager: AWS region of the secret; default: from the secret's ARN, an "
             "RDS host name, AWS_REGION, AWS_DEFAULT_REGION, then the profile's region",
     .group = "secrets_manager"},
    {.name = kEndpoint,
     .type = PropertyType::kString,
     .default_value = "",
     .help = "aws_secrets_manager: https:// URL of the Secrets Manager endpoint (VPC endpoint, "
             "tests); default: AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL, else "
             "https://secretsmanager.<region>.amazonaws.com (.com.cn in China)",
     .group = "secrets_manager"},
    {.name = kUsernameKey,
     .type = PropertyType::kString,
     .default_value = "username",
     .help = "aws_secrets_manager: member of the secret's JSON that holds the database user name",
     .group = "secrets_manager"},
    {.name = kPasswordKey,
     .type = PropertyType::kString,
     .default_value = "password",
     .help = "aws_secrets_manager: member of the secret's JSON that holds the password",
     .group = "secrets_manager"},
    {.name = kExpiration,
     .type = PropertyType::kInteger,
     .default_value = "3600",
     .help = "aws_secrets_manager: seconds a fetched secret is reused by every connection of the "
             "process; a login refused with the cached secret fetches it again at once",
     .group = "secrets_manager",
     .min = 1,
     .max = 86400},
    {.name = kRotationTimeout,
     .type = PropertyType::kInteger,
     .default_value = "10",
     .help = "aws_secrets_manager: after a refused login, how long to keep fetching the secret "
             "and retrying while a rotation is in progress; 0: one fetch, one retry",
     .group = "secrets_manager",
     .min = 0,
     .max = 600},
}};

}  // namespace awrap::internal::plugin::secrets_manager
