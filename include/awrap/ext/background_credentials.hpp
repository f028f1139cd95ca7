// Credentials for awrap's own background connections: host-monitoring probes, the topology
// monitor's connections and the MySQL session that delivers cancel(). They are made the way the
// application's connections get theirs, by the authentication plugins (iam,
// aws_secrets_manager) from their process-wide caches, so a background login never presents an
// IAM token that expired or a password rotated since the Connection last logged in.
//
//   std::shared_ptr<const awrap::BackgroundCredentials> source = service.background_credentials();
//   awrap::ConnectSpec spec = ...;          // user, password of the last login
//   if (source) source->apply(spec);         // fresh ones (cached by the plugin)
//   ... the server refuses the login (AuthError) ...
//   if (source) source->refused(spec);       // the next apply() makes or fetches new ones
//
// A plugin that sets credentials in its connect() offers one through
// Plugin::background_credentials(); the Connection chains them in pipeline order.
// Thread safety: implementations are thread-safe and may outlive the Connection that made them
// (monitors are shared by every Connection of a host or cluster).
#pragma once

#include "awrap/export.hpp"

#include "awrap/ext/target_driver.hpp"

namespace awrap {

class AWRAP_EXPORT BackgroundCredentials {
 public:
  virtual ~BackgroundCredentials() = default;
  // Puts the user name and password for a login to spec.host into `spec` (and any native option
  // the login needs). Cached values are used while they are valid; otherwise this may block on a
  // fetch, bounded by the plugin's own timeouts. Throws AuthError or ConfigError when no
  // credentials can be had. Secrets are never logged.
  virtual void apply(ConnectSpec& spec) const = 0;
  // The server refused a login with credentials apply() put into `spec`: they are dropped from
  // the caches, so the next apply() makes or fetches new ones. Never throws.
  virtual void refused(const ConnectSpec& spec) const noexcept = 0;
};

}  // namespace awrap
