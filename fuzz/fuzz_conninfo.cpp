// Fuzzes parse_conninfo (URLs and libpq keyword strings). Besides crashes it checks:
//  - only ConfigError escapes, and it names what it is about;
//  - what was parsed, written back as a URL (and for PostgreSQL as keywords) with everything
//    escaped, parses to the same hosts, ports and options;
//  - a password (URL userinfo or quoted keyword value) never shows in an error, in a host or in
//    an option other than "password".
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "awrap/errors.hpp"
#include "core/conninfo.hpp"
#include "fuzz_check.hpp"

namespace {

using awrap::ConfigError;
using awrap::internal::ConnInfo;

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string percent_encode(std::string_view raw) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : raw) {
    if (is_unreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

bool is_c_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::string describe(const ConnInfo& info) {
  std::string out = "engine=" + info.engine + " hosts=[";
  for (const auto& h : info.hosts) out += "'" + h.host + "':" + std::to_string(h.port) + " ";
  out += "] options={";
  for (const auto& [k, v] : info.options) out += "'" + k + "'='" + v + "' ";
  return out + "}";
}

bool same(const ConnInfo& a, const ConnInfo& b) {
  if (a.engine != b.engine || a.options != b.options || a.hosts.size() != b.hosts.size())
    return false;
  for (std::size_t i = 0; i < a.hosts.size(); ++i)
    if (!a.hosts[i].same_endpoint(b.hosts[i])) return false;
  return true;
}

// The URL that says the same, or nullopt when a URL cannot (a lone empty host, say).
std::optional<std::string> as_url(const ConnInfo& info) {
  std::string url = info.engine == "pg" ? "postgresql://" : "mysql://";
  std::string query;
  auto add_param = [&](std::string_view key, std::string_view value) {
    query += (query.empty() ? "?" : "&") + percent_encode(key) + "=" + percent_encode(value);
  };
  auto user = info.options.find("user");
  auto password = info.options.find("password");
  bool has_user = user != info.options.end();
  bool has_password = password != info.options.end();
  if (has_user && has_password) {
    url += percent_encode(user->second) + ":" + percent_encode(password->second) + "@";
  } else if (has_user && !user->second.empty()) {
    url += percent_encode(user->second) + "@";
  } else if (has_user) {
    add_param("user", "");  // "@" alone sets no user
  } else if (has_password) {
    add_param("password", password->second);  // ":pw@" would also set an empty user
  }
  for (std::size_t i = 0; i < info.hosts.size(); ++i) {
    const auto& h = info.hosts[i];
    if (i > 0) url += ",";
    if (h.host.find(':') != std::string::npos) {
      // Brackets keep the host as written: nothing in it may end the authority.
      if (h.host.find_first_of("]/?@,") != std::string::npos) return std::nullopt;
      url += "[" + h.host + "]";
    } else {
      if (h.host.empty() && h.port == 0) return std::nullopt;
      url += percent_encode(h.host);
    }
    if (h.port != 0) url += ":" + std::to_string(h.port);
  }
  for (const auto& [key, value] : info.options) {
    if (key == "user" || key == "password") continue;
    if (key == "dbname" && !value.empty()) continue;
    add_param(key, value);
  }
  if (auto db = info.options.find("dbname"); db != info.options.end() && !db->second.empty())
    url += "/" + percent_encode(db->second);
  return url + query;
}

std::string quoted(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

// libpq keywords that say the same (PostgreSQL only), or nullopt when keywords cannot.
std::optional<std::string> as_keywords(const ConnInfo& info) {
  if (info.engine != "pg") return std::nullopt;
  std::string hosts, ports;
  bool any_port = false, any_portless = false;
  for (std::size_t i = 0; i < info.hosts.size(); ++i) {
    const auto& h = info.hosts[i];
    if (h.host.find(',') != std::string::npos) return std::nullopt;
    if (!h.host.empty() && (is_c_space(h.host.front()) || is_c_space(h.host.back())))
      return std::nullopt;  // host lists are trimmed
    hosts += (i > 0 ? "," : "") + h.host;
    ports += (i > 0 ? "," : "") + std::to_string(h.port);
    (h.port != 0 ? any_port : any_portless) = true;
  }
  if (any_port && any_portless) return std::nullopt;
  std::string out;
  if (info.hosts.size() == 1 && info.hosts[0].host.empty()) {
    if (!any_port) return std::nullopt;
  } else if (!info.hosts.empty()) {
    out += "host=" + quoted(hosts) + " ";
  }
  if (any_port) out += "port=" + quoted(ports) + " ";
  for (const auto& [key, value] : info.options) {
    for (char c : key)
      if (c == '=' || is_c_space(c)) return std::nullopt;
    // "scheme://…" as the first key would read as a URL.
    if (key.find("://") != std::string::npos) return std::nullopt;
    out += key + "=" + quoted(value) + " ";
  }
  return out;
}

void check_round_trip(const ConnInfo& info, const std::optional<std::string>& text,
                      const char* form) {
  if (!text) return;
  ConnInfo again;
  try {
    again = awrap::internal::parse_conninfo(*text);
  } catch (const ConfigError& e) {
    FUZZ_CHECK(false, std::string(form) + " " + *text + " of " + describe(info) +
                          " does not parse: " + e.what());
  }
  FUZZ_CHECK(same(info, again), std::string(form) + " " + *text + "\n  first:  " + describe(info) +
                                    "\n  second: " + describe(again));
}

void check_round_trips(std::string_view input) {
  ConnInfo info;
  try {
    info = awrap::internal::parse_conninfo(input);
  } catch (const ConfigError& e) {
    FUZZ_CHECK(std::string_view(e.what()).size() > 0, "empty message");
    return;
  }
  FUZZ_CHECK(info.engine == "pg" || info.engine == "mysql", info.engine);
  check_round_trip(info, as_url(info), "URL");
  check_round_trip(info, as_keywords(info), "keywords");
}

void check_hidden(const std::string& text) {
  try {
    ConnInfo info = awrap::internal::parse_conninfo(text);
    for (const auto& h : info.hosts)
      FUZZ_CHECK(!awrap::internal::fuzz::shows_secret_marker(h.host), text + " -> host " + h.host);
    for (const auto& [key, value] : info.options) {
      if (key == "password") continue;
      FUZZ_CHECK(!awrap::internal::fuzz::shows_secret_marker(key) &&
                     !awrap::internal::fuzz::shows_secret_marker(value),
                 text + " -> option '" + key + "'='" + value + "'");
    }
  } catch (const ConfigError& e) {
    FUZZ_CHECK(!awrap::internal::fuzz::shows_secret_marker(e.what()) &&
                   !awrap::internal::fuzz::shows_secret_marker(e.property()),
               text + " -> " + e.what() + " (property '" + e.property() + "')");
  }
}

// The input's first line is a password, the rest the remainder of the connection string.
void check_password_hidden(std::string_view input) {
  if (awrap::internal::fuzz::shows_secret_marker(input)) return;
  auto newline = input.find('\n');
  if (newline == std::string_view::npos) return;
  std::string password = awrap::internal::fuzz::marked_secret(input.substr(0, newline));
  std::string rest(input.substr(newline + 1));
  // An '@' and then a '/' or '?' in a password not percent-encoded cannot be told from a
  // password, a host and a path (libpq and RFC 3986 read it the second way): no claim then.
  auto at = password.find('@');
  if (at == std::string::npos || password.find_first_of("/?", at) == std::string::npos) {
    check_hidden("postgresql://u:" + password + "@" + rest);
    check_hidden("mysql://u:" + password + "@" + rest);
  }
  check_hidden("host=h password=" + quoted(password) + " " + rest);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  check_round_trips(input);
  check_password_hidden(input);
  return 0;
}
