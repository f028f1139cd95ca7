#include "core/conninfo.hpp"

#include <cctype>
#include <charconv>

#include "awrap/errors.hpp"
#include "base/text.hpp"

namespace awrap::internal {
namespace {

int parse_port(std::string_view text) {
  int port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || port < 1 ||
      port > 65535)
    throw ConfigError(
        "invalid port '" + std::string(text) + "': expected an integer from 1 to 65535", "port");
  return port;
}

// "host", "host:port", "[v6]:port"
HostInfo parse_host_port(std::string_view spec) {
  HostInfo h;
  if (spec.starts_with('[')) {
    auto close = spec.find(']');
    if (close == std::string_view::npos)
      throw ConfigError("invalid host '" + std::string(spec) + "': missing ']' after IPv6 address",
                        "host");
    h.host = std::string(spec.substr(1, close - 1));
    auto rest = spec.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':')
        throw ConfigError("invalid host '" + std::string(spec) + "': expected ':port' after ']'",
                          "host");
      h.port = parse_port(rest.substr(1));
    }
    return h;
  }
  auto colon = spec.rfind(':');
  if (colon == std::string_view::npos) {
    h.host = text::percent_decode(spec);
  } else {
    if (spec.substr(0, colon).find(':') != std::string_view::npos)
      throw ConfigError("invalid host '" + std::string(spec) +
                            "': an IPv6 address goes in brackets, e.g. [::1]:5432",
                        "host");
    h.host = text::percent_decode(spec.substr(0, colon));
    h.port = parse_port(spec.substr(colon + 1));
  }
  return h;
}

void apply_host_lists(ConnInfo& info, std::string_view hosts, std::string_view ports) {
  for (auto h : text::split(hosts, ',')) {
    HostInfo host;
    host.host = std::string(text::trim(h));
    info.hosts.push_back(std::move(host));
  }
  auto port_list = text::split(ports, ',');
  if (port_list.empty()) return;
  if (info.hosts.empty()) info.hosts.push_back(HostInfo{});
  if (port_list.size() != 1 && port_list.size() != info.hosts.size())
    throw ConfigError("'port' lists " + std::to_string(port_list.size()) + " ports for " +
                          std::to_string(info.hosts.size()) +
                          " hosts: give one port for all hosts or one per host",
                      "port");
  for (std::size_t i = 0; i < info.hosts.size(); ++i)
    info.hosts[i].port =
        parse_port(text::trim(port_list.size() == 1 ? port_list[0] : port_list[i]));
}

ConnInfo parse_url_parts(std::string_view url, std::string_view scheme) {
  ConnInfo info;
  info.engine = (scheme == "postgresql" || scheme == "postgres") ? "pg" : "mysql";
  std::string_view rest = url.substr(scheme.size() + 3);

  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view path;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      info.options["user"] = text::percent_decode(userinfo.substr(0, colon));
      info.options["password"] = text::percent_decode(userinfo.substr(colon + 1));
    } else if (!userinfo.empty()) {
      info.options["user"] = text::percent_decode(userinfo);
    }
  }
  if (!rest.empty())
    for (auto spec : text::split(rest, ',')) {
      if (spec.empty())
        throw ConfigError("empty host in the host list of the connection URL", "host");
      info.hosts.push_back(parse_host_port(spec));
    }
  if (!path.empty()) info.options["dbname"] = text::percent_decode(path);

  std::string host_param, port_param;
  for (auto pair : text::split(query, '&')) {
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    if (eq == std::string_view::npos)
      throw ConfigError(
          "URL parameter '" + text::percent_decode(pair) + "' has no value (expected name=value)",
          text::percent_decode(pair));
    std::string key = text::percent_decode(pair.substr(0, eq));
    std::string value = text::percent_decode(pair.substr(eq + 1));
    if (key == "host")
      host_param = value;
    else if (key == "port")
      port_param = value;
    else
      info.options[key] = value;
  }
  if (!host_param.empty() || !port_param.empty()) {
    if (!info.hosts.empty() && !host_param.empty())
      throw ConfigError("hosts given both in the URL authority and as the 'host' parameter",
                        "host");
    if (!host_param.empty())
      apply_host_lists(info, host_param, port_param);
    else
      for (auto& h : info.hosts) h.port = parse_port(port_param);
  }
  return info;
}

// A user name or password holding '/' or '?' (not percent-encoded) ends the host list early: the
// rest of the secret is then read as a host, port, database or parameter, and an error quoting
// those would show it. When the text after the host list holds the '@' that ended the user info,
// the error says what to fix without quoting anything.
ConnInfo parse_url(std::string_view url, std::string_view scheme) {
  try {
    return parse_url_parts(url, scheme);
  } catch (const ConfigError& e) {
    std::string_view after_scheme = url.substr(scheme.size() + 3);
    auto authority_end = after_scheme.find_first_of("/?");
    bool at_in_authority =
        after_scheme.substr(0, authority_end).find('@') != std::string_view::npos;
    if (authority_end == std::string_view::npos || at_in_authority ||
        after_scheme.find('@', authority_end) == std::string_view::npos)
      throw;
    throw ConfigError(
        "invalid connection URL: an '@' follows the first '/' or '?', so a user name or password "
        "may hold '/' or '?'; percent-encode them ('/' as %2F, '?' as %3F, '@' as %40)",
        "conninfo");
  }
}

ConnInfo parse_keywords(std::string_view s) {
  ConnInfo info;
  info.engine = "pg";
  std::string hosts, ports;
  std::size_t i = 0;
  auto skip_space = [&] {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  };
  while (true) {
    skip_space();
    if (i >= s.size()) break;
    std::size_t key_start = i;
    while (i < s.size() && s[i] != '=' && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    std::string key(s.substr(key_start, i - key_start));
    skip_space();
    if (i >= s.size() || s[i] != '=')
      throw ConfigError("missing '=' after '" + key + "' in connection string (expected key=value)",
                        key);
    ++i;
    skip_space();
    std::string value;
    if (i < s.size() && s[i] == '\'') {
      ++i;
      bool closed = false;
      while (i < s.size()) {
        if (s[i] == '\\' && i + 1 < s.size()) {
          value += s[i + 1];
          i += 2;
        } else if (s[i] == '\'') {
          ++i;
          closed = true;
          break;
        } else {
          value += s[i++];
        }
      }
      if (!closed)
        throw ConfigError("unterminated quoted value for '" + key + "' in connection string", key);
    } else {
      while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        value += s[i++];
      }
    }
    if (key == "host")
      hosts = value;
    else if (key == "port")
      ports = value;
    else
      info.options[key] = value;
  }
  apply_host_lists(info, hosts, ports);
  return info;
}

// RFC 3986: a letter, then letters, digits, '+', '-' or '.'; ':' too, so that "jdbc:postgresql"
// is reported as an unsupported scheme.
bool is_url_scheme(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s.front()))) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.' &&
        c != ':')
      return false;
  return true;
}

}  // namespace

ConnInfo parse_conninfo(std::string_view text_in) {
  std::string_view t = text::trim(text_in);
  // A keyword string may hold "://" in a value (application_name='http://…'): a URL starts with
  // its scheme.
  if (auto sep = t.find("://"); sep != std::string_view::npos && is_url_scheme(t.substr(0, sep))) {
    std::string scheme = text::lower(t.substr(0, sep));
    if (scheme != "postgresql" && scheme != "postgres" && scheme != "mysql" && scheme != "mariadb")
      throw ConfigError("unsupported URL scheme '" + scheme +
                            "': expected postgresql://, postgres://, mysql:// or mariadb://",
                        "conninfo");
    std::string lowered(t);
    for (std::size_t k = 0; k < sep; ++k) lowered[k] = static_cast<char>(std::tolower(lowered[k]));
    return parse_url(lowered, scheme);
  }
  return parse_keywords(t);
}

}  // namespace awrap::internal
