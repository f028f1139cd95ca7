// The PostgreSQL target driver (libpq).
//
//   std::unique_ptr<awrap::TargetDriver> driver = pg::make_pg_driver();
//   awrap::ConnectSpec spec;
//   spec.host.host = "127.0.0.40";
//   spec.user = "awrap";
//   spec.connect_timeout = std::chrono::seconds(5);
//   std::unique_ptr<awrap::TargetConnection> conn = driver->connect(spec);
//
// Stateless and thread-safe: any number of threads may connect through one driver.
#pragma once

#include <memory>

#include "awrap/ext/target_driver.hpp"

namespace awrap::internal::pg {

class PgDriver final : public TargetDriver {
 public:
  PgDriver();
  std::string_view engine() const noexcept override { return "pg"; }
  int default_port() const noexcept override;
  std::unique_ptr<TargetConnection> connect(const ConnectSpec& spec) override;
  // libpq's non-blocking connect and SELECT 1 (pg_probe.hpp).
  std::unique_ptr<HostProbe> make_probe(ConnectSpec spec) const override;
};

std::unique_ptr<TargetDriver> make_pg_driver();

}  // namespace awrap::internal::pg
