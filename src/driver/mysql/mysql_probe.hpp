// The MySQL/MariaDB HostProbe: Connector/C's non-blocking API (mysql_real_connect_start/_cont
// to open the session, mysql_ping_start/_cont (COM_PING) per check); never blocks.
#pragma once

#include <memory>

#include "awrap/ext/target_driver.hpp"

namespace awrap::internal::mysql {

// REQUIRES: Connector/C is initialised (a MySQL connection was opened before in this process).
std::unique_ptr<HostProbe> make_mysql_probe(ConnectSpec spec);

}  // namespace awrap::internal::mysql
