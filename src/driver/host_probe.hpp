// HostProbe: a non-blocking liveness check of one database host ("does the server answer?"),
// driven by an event loop that poll()s many probes at once (the host_monitoring plugin).
//
// A probe keeps one session open between checks; check() opens it first when needed. Nothing
// blocks: start() and resume() return at once and say what the socket must become ready for.
// The caller owns the deadline: when it passes it calls abandon(), which closes the session
// without waiting (a hung or black-holed server never answers a polite goodbye).
//
// Limit: a host given as a name (not an IP literal) is resolved synchronously by the native
// driver when a session is opened.
// Thread safety: none; one probe is used by one thread (the monitor's event loop).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "awrap/ext/target_driver.hpp"

namespace awrap {

class HostProbe {
 public:
  enum class Status {
    kWaiting,    // poll socket() for events(), then call resume()
    kSucceeded,  // the server answered; the session stays open for the next check
    kFailed,     // no session or no answer; the session is closed (error() says why)
    // The server answered and refused the login (credentials: SQLSTATE 28000/28P01, MySQL 1045
    // ...). The host is alive; the credentials are not. No session is open.
    kRefused,
  };

  virtual ~HostProbe() = default;
  // Starts one check (opening a session first if none is open). REQUIRES: no check in progress.
  virtual Status start() = 0;
  // Continues the check after poll() reported `revents` (POLLIN/POLLOUT/POLLERR/POLLHUP) on
  // socket(). REQUIRES: the last status was kWaiting.
  virtual Status resume(short revents) = 0;
  // The socket to poll and the poll() events wanted; valid while the status is kWaiting.
  virtual int socket() const noexcept = 0;
  virtual short events() const noexcept = 0;
  // Ends a check in progress (deadline) and closes the session; never blocks.
  virtual void abandon() noexcept = 0;
  // Closes the session, if any; never blocks.
  virtual void close() noexcept = 0;
  virtual bool has_session() const noexcept = 0;
  // Why the last check failed (never contains the password).
  virtual const std::string& error() const noexcept = 0;
};

// A probe for `engine` ("pg" or "mysql") connecting with `spec` (connect_timeout and
// socket_timeout are ignored: the caller's deadline applies). Throws ConfigError for another
// engine.
std::unique_ptr<HostProbe> make_host_probe(std::string_view engine, ConnectSpec spec);

}  // namespace awrap
