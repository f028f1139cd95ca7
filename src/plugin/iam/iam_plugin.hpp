// The "iam" plugin: authenticates with RDS IAM database authentication. Every physical connect
// gets an IAM token (cached per region, host, port and user for iam_expiration seconds) as its
// password; MySQL connections also enable the cleartext plugin and must use TLS.
//
//   awrap::PropertyMap props{{"wrapper_plugins", "iam"}, {"iam_region", "us-east-1"}};
//   auto conn = awrap::Connection::open(
//       "postgresql://iam_user@mydb.c1abc.us-east-1.rds.amazonaws.com/app?sslmode=verify-full",
//       props);
//
// Properties: src/plugin/iam/iam_properties.hpp. Documentation: docs/iam.md.
#pragma once

#include "awrap/ext/plugin.hpp"

namespace awrap::internal {

// Code "iam", weight 100 (outside the failover and monitoring plugins, so that every reconnect
// they make is authenticated too).
PluginRegistration make_iam_plugin_registration();

}  // namespace awrap::internal
