// `srw`: simple read/write splitting between two endpoints, for setups without a topology to read
// (RDS Proxy, Aurora custom endpoints, self-managed servers behind a balancer). The AWS wrappers'
// SimpleReadWriteSplittingPlugin, with their property names:
//
//   awrap::PropertyMap props{{"wrapper_plugins", "srw"},
//                            {"srw_write_endpoint", "app.proxy-abc.example.com"},
//                            {"srw_read_endpoint", "app-ro.proxy-abc.example.com"}};
//   auto conn = awrap::Connection::open("postgresql://app@app.proxy-abc.example.com/app", props);
//   conn.set_read_only(true);   // now on srw_read_endpoint (a new, verified connection)
//   conn.execute("SELECT ...");
//   conn.set_read_only(false);  // back on the writer's connection, kept open: no login
//
// Properties: src/plugin/srw/srw_properties.hpp. Documentation: docs/plugins.md, section
// "srw: simple read/write splitting".
#pragma once

#include "awrap/ext/plugin.hpp"

namespace awrap::internal {

// Code "srw", weight 310: inside the authentication plugins (its connections log in like any
// other), outside failover and host_monitoring (it sees their outcomes, as the AWS wrappers
// require of read/write splitting).
PluginRegistration make_srw_registration();

}  // namespace awrap::internal
