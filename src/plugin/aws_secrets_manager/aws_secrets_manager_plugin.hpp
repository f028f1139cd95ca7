// The "aws_secrets_manager" plugin: logs in with the user name and password of an AWS Secrets
// Manager secret (a JSON SecretString), cached for the process and fetched again when a login is
// refused (rotation).
//
//   awrap::PropertyMap props{{"wrapper_plugins", "aws_secrets_manager,failover"},
//                            {"secrets_manager_secret_id", "prod/orders/db"}};
//   auto conn = awrap::Connection::open(
//       "postgresql://orders.cluster-c1abc.us-east-1.rds.amazonaws.com/app", props);
//
// Properties: src/plugin/aws_secrets_manager/secrets_manager_properties.hpp.
// Documentation: docs/secrets-manager.md.
#pragma once

#include "awrap/ext/plugin.hpp"

namespace awrap::internal {

// Code "aws_secrets_manager". The caller sets the weight (outside failover and monitoring, so
// that their reconnects use the cached secret too).
PluginRegistration make_aws_secrets_manager_registration();

}  // namespace awrap::internal
