#include "driver/mysql/mysql_native_options.hpp"

#include <mysql.h>

#include <algorithm>
#include <cctype>
#include <string_view>

#include "awrap/errors.hpp"

namespace awrap::internal::mysql {
namespace {

constexpr const char* kAcceptedNames =
    "ssl_ca, ssl_capath, ssl_cert, ssl_key, ssl_cipher, ssl_crl, ssl_crlpath, tls_version, "
    "ssl_mode, ssl, ssl_verify_server_cert, enable_cleartext_plugin, charset, connect_attrs, "
    "default_auth, plugin_dir, server_public_key, init_command, compress, restricted_auth";

// Connector/C answers any authentication method the server asks for, including the ones that
// send the password in clear text (mysql_clear_password, dialog for PAM), and ignores
// MYSQL_ENABLE_CLEARTEXT_PLUGIN. So awrap restricts the methods itself: the hashed ones always,
// the clear-text ones only when the caller enabled them.
constexpr const char* kHashedAuthPlugins =
    "mysql_native_password,client_ed25519,caching_sha2_password,sha256_password,"
    "auth_gssapi_client";
constexpr const char* kCleartextAuthPlugins = ",mysql_clear_password,dialog";

std::string lowercase(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

bool parse_boolean(const std::string& name, const std::string& value) {
  const std::string lower = lowercase(value);
  if (lower == "1" || lower == "true" || lower == "on" || lower == "yes") return true;
  if (lower == "0" || lower == "false" || lower == "off" || lower == "no") return false;
  throw ConfigError("native option '" + name + "' has value '" + value +
                        "'; accepted: 1/0, true/false, on/off, yes/no",
                    name);
}

void set_option(MYSQL* handle, const std::string& name, mysql_option option, const void* value) {
  if (mysql_optionsv(handle, option, value) != 0)
    throw ConfigError("MariaDB Connector/C rejected native option '" + name + "'", name);
}

void set_boolean(MYSQL* handle, const std::string& name, mysql_option option,
                 const std::string& value) {
  const my_bool flag = parse_boolean(name, value) ? 1 : 0;
  set_option(handle, name, option, &flag);
}

void apply_ssl_mode(MYSQL* handle, const std::string& name, const std::string& value,
                    NativeOptionChecks& checks) {
  std::string mode = lowercase(value);
  std::replace(mode.begin(), mode.end(), '-', '_');
  if (mode == "disabled" || mode == "preferred") return;
  const my_bool on = 1;
  const my_bool off = 0;
  if (mode == "required") {
    checks.tls_required = true;
    set_option(handle, name, MYSQL_OPT_SSL_ENFORCE, &on);
    set_option(handle, name, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &off);
    return;
  }
  // Connector/C 3.3 verifies the chain and the host name together; VERIFY_CA cannot skip the
  // name check, so it is as strict as VERIFY_IDENTITY here.
  if (mode == "verify_ca" || mode == "verify_identity") {
    checks.tls_required = true;
    checks.verifies_server_name = true;
    set_option(handle, name, MYSQL_OPT_SSL_ENFORCE, &on);
    set_option(handle, name, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
    return;
  }
  throw ConfigError("native option '" + name + "' has value '" + value +
                        "'; accepted: DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY",
                    name);
}

// "key:value,key:value"; an entry without ':' sends an empty value.
void apply_connect_attrs(MYSQL* handle, const std::string& name, std::string_view list) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    std::string_view entry = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (entry.empty()) continue;
    const std::size_t colon = entry.find(':');
    const std::string key(entry.substr(0, colon));
    const std::string value(colon == std::string_view::npos ? std::string_view()
                                                            : entry.substr(colon + 1));
    if (key.empty())
      throw ConfigError("native option '" + name + "' has an entry without a key", name);
    if (mysql_optionsv(handle, MYSQL_OPT_CONNECT_ATTR_ADD, key.c_str(), value.c_str()) != 0)
      throw ConfigError("MariaDB Connector/C rejected connect attribute '" + key + "'", name);
  }
}

struct AuthChoice {
  bool cleartext_enabled = false;
  bool explicit_list = false;
};

void apply_one(MYSQL* handle, const std::string& name, const std::string& value,
               NativeOptionChecks& checks, AuthChoice& auth) {
  struct StringOption {
    const char* name;
    mysql_option option;
  };
  static constexpr StringOption kStringOptions[] = {
      {"ssl_ca", MYSQL_OPT_SSL_CA},           {"ssl_capath", MYSQL_OPT_SSL_CAPATH},
      {"ssl_cert", MYSQL_OPT_SSL_CERT},       {"ssl_key", MYSQL_OPT_SSL_KEY},
      {"ssl_cipher", MYSQL_OPT_SSL_CIPHER},   {"ssl_crl", MYSQL_OPT_SSL_CRL},
      {"ssl_crlpath", MYSQL_OPT_SSL_CRLPATH}, {"tls_version", MARIADB_OPT_TLS_VERSION},
      {"charset", MYSQL_SET_CHARSET_NAME},    {"default_auth", MYSQL_DEFAULT_AUTH},
      {"plugin_dir", MYSQL_PLUGIN_DIR},       {"server_public_key", MYSQL_SERVER_PUBLIC_KEY},
      {"init_command", MYSQL_INIT_COMMAND},
  };
  for (const StringOption& option : kStringOptions) {
    if (name == option.name) {
      set_option(handle, name, option.option, value.c_str());
      return;
    }
  }
  if (name == "ssl_mode") return apply_ssl_mode(handle, name, value, checks);
  if (name == "ssl") {
    if (parse_boolean(name, value)) apply_ssl_mode(handle, name, "REQUIRED", checks);
    return;
  }
  if (name == "ssl_verify_server_cert") {
    checks.verifies_server_name = parse_boolean(name, value);
    return set_boolean(handle, name, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, value);
  }
  if (name == "enable_cleartext_plugin") {
    auth.cleartext_enabled = parse_boolean(name, value);
    return set_boolean(handle, name, MYSQL_ENABLE_CLEARTEXT_PLUGIN, value);
  }
  if (name == "restricted_auth") {
    auth.explicit_list = true;
    return set_option(handle, name, MARIADB_OPT_RESTRICTED_AUTH, value.c_str());
  }
  if (name == "compress") {
    if (parse_boolean(name, value)) set_option(handle, name, MYSQL_OPT_COMPRESS, nullptr);
    return;
  }
  if (name == "connect_attrs") return apply_connect_attrs(handle, name, value);
  throw ConfigError(
      "unknown MySQL/MariaDB native option '" + name + "'; accepted: " + kAcceptedNames, name);
}

}  // namespace

NativeOptionChecks apply_native_options(
    st_mysql* handle, const std::map<std::string, std::string, std::less<>>& options) {
  NativeOptionChecks checks;
  AuthChoice auth;
  for (const auto& [name, value] : options) apply_one(handle, name, value, checks, auth);
  if (!auth.explicit_list) {
    std::string allowed = kHashedAuthPlugins;
    if (auth.cleartext_enabled) allowed += kCleartextAuthPlugins;
    set_option(handle, "restricted_auth", MARIADB_OPT_RESTRICTED_AUTH, allowed.c_str());
  }
  return checks;
}

const char* accepted_native_option_names() noexcept {
  return kAcceptedNames;
}

}  // namespace awrap::internal::mysql
