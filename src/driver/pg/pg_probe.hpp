// The PostgreSQL HostProbe: PQconnectStartParams/PQconnectPoll to open the session, then
// PQsendQuery("SELECT 1") with PQconsumeInput/PQisBusy per check; never blocks.
#pragma once

#include <memory>

#include "awrap/ext/target_driver.hpp"

namespace awrap::internal::pg {

std::unique_ptr<HostProbe> make_pg_probe(ConnectSpec spec);

}  // namespace awrap::internal::pg
