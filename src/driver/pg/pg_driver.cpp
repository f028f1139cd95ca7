#include "driver/pg/pg_driver.hpp"

#include <openssl/crypto.h>

#include "driver/pg/pg_connect.hpp"
#include "driver/pg/pg_connection.hpp"
#include "driver/pg/pg_probe.hpp"

namespace awrap::internal::pg {

// libpq starts OpenSSL at its first TLS connection, and OpenSSL registers its exit handler then:
// after the process Runtime (made when the first Connection is), so OpenSSL cleaned up before
// the Runtime's destructor joined the monitor thread, and that thread's OpenSSL state was never
// freed (LeakSanitizer, ForkedChild/pg). Started here, before any Connection, OpenSSL's exit
// handler runs last. The options must not be 0: OpenSSL returns at once, doing nothing, when every
// option asked for is already done, and no options are always "done". LOAD_CONFIG is what libpq
// asks for itself.
PgDriver::PgDriver() {
  OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, nullptr);
}

int PgDriver::default_port() const noexcept {
  return kPgDefaultPort;
}

std::unique_ptr<TargetConnection> PgDriver::connect(const ConnectSpec& spec) {
  return std::make_unique<PgConnection>(open_pg_connection(spec), spec);
}

std::unique_ptr<HostProbe> PgDriver::make_probe(ConnectSpec spec) const {
  return make_pg_probe(std::move(spec));
}

std::unique_ptr<TargetDriver> make_pg_driver() {
  return std::make_unique<PgDriver>();
}

}  // namespace awrap::internal::pg
