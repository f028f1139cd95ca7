// Connector/C options passed through from ConnectSpec::native_options.
//
//   apply_native_options(handle, {{"ssl_mode", "REQUIRED"}, {"ssl_ca", "/etc/ca.pem"}});
//
// Accepted names (values are strings; booleans accept 1/0, true/false, on/off, yes/no):
//   ssl_ca, ssl_capath, ssl_cert, ssl_key, ssl_cipher, ssl_crl, ssl_crlpath  (files for TLS)
//   tls_version              e.g. "TLSv1.2,TLSv1.3"
//   ssl_mode                 DISABLED | PREFERRED | REQUIRED | VERIFY_CA | VERIFY_IDENTITY
//   ssl                      boolean: true requires TLS (as ssl_mode=REQUIRED)
//   ssl_verify_server_cert   boolean
//   enable_cleartext_plugin  boolean: lets the server ask for the password in clear text (IAM,
//                            PAM: mysql_clear_password, dialog); only safe over TLS. Off, awrap
//                            allows only the hashed methods (Connector/C itself would answer any)
//   restricted_auth          explicit comma list of allowed client auth plugins (overrides the
//                            above)
//   charset                  connection character set (default utf8mb4)
//   connect_attrs            "key:value,key:value" sent to the server (performance_schema)
//   default_auth, plugin_dir, server_public_key, init_command, compress (boolean)
// LOAD DATA LOCAL INFILE is always off (see mysql_connection.cpp).
// Connector/C 3.3 has no opportunistic TLS: PREFERRED (MySQL's default) uses TLS only when an
// ssl_* file option is given, and does not then fall back to plain text.
#pragma once

#include <map>
#include <string>

#include "awrap/ext/target_driver.hpp"

struct st_mysql;

namespace awrap::internal::mysql {

// What the caller must check itself after connecting.
struct NativeOptionChecks {
  // Connector/C 3.3 refuses a server without TLS only when the certificate is verified too:
  // with ssl_mode=REQUIRED it would silently talk plain text. The caller checks that the
  // session is encrypted (mysql_get_ssl_cipher) and refuses it otherwise.
  bool tls_required = false;
  // The server's certificate is checked against the host name: the name must reach Connector/C.
  bool verifies_server_name = false;
};

// Sets every option on handle (a mysql_init'ed handle, before connecting). Throws ConfigError
// naming the option and listing the accepted names (or values) when one is unknown or invalid;
// nothing secret is echoed (values are shown only for enumerations and booleans).
NativeOptionChecks apply_native_options(
    st_mysql* handle, const std::map<std::string, std::string, std::less<>>& options);

// The option names apply_native_options accepts, comma-separated (for error messages, docs).
const char* accepted_native_option_names() noexcept;

}  // namespace awrap::internal::mysql
