#include "plugin/failover/session_loss.hpp"

namespace awrap::internal {

bool session_ended_by_live_server(std::string_view sqlstate, int native_code) noexcept {
  switch (native_code) {
    case 1927:  // ER_CONNECTION_KILLED: KILL [CONNECTION] of our session (MariaDB, MySQL)
    case 4031:  // ER_CLIENT_INTERACTION_TIMEOUT: MySQL 8 ended an idle session (wait_timeout)
    // The server closed the socket (end of stream), which is all a KILL of our session shows on
    // MariaDB; a crashed server process shows the same and its host then refuses the reconnect
    // at once. (Our own abort and a socket_timeout expiry carry other codes.)
    case 2013:  // CR_SERVER_LOST
    case 2006:  // CR_SERVER_GONE_ERROR
      return true;
    default:
      break;
  }
  return sqlstate == "57P01"      // admin_shutdown: pg_terminate_backend (or a fast shutdown)
         || sqlstate == "57P05"   // idle_session_timeout
         || sqlstate == "25P03";  // idle_in_transaction_session_timeout
}

}  // namespace awrap::internal
