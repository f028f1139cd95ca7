#include "dialect/dialect.hpp"

#include "awrap/errors.hpp"
#include "dialect/mysql_dialects.hpp"
#include "dialect/pg_dialects.hpp"

#include <algorithm>
#include <ctime>
#include <map>
#include <mutex>
#include "base/thread_annotations.hpp"

namespace awrap {

std::optional<std::chrono::system_clock::time_point> parse_server_utc_time(std::string_view text) {
  constexpr int kMinYear = 1678;
  constexpr int kMaxYear = 2261;
  std::tm tm{};
  std::string s(text.substr(0, 19));
  if (s.size() < 19 || !strptime(s.c_str(), "%Y-%m-%d %H:%M:%S", &tm)) return std::nullopt;
  if (tm.tm_year + 1900 < kMinYear || tm.tm_year + 1900 > kMaxYear) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::unique_ptr<Dialect> make_dialect(std::string_view code_in, std::string_view engine) {
  std::string code(code_in);
  std::replace(code.begin(), code.end(), '_', '-');
  if (engine == "pg") {
    if (code == "pg" || code == "rds-pg") return make_plain_pg_dialect(code);
    if (code == "aurora-pg") return make_aurora_pg_dialect();
    if (code == "multi-az-pg") return make_multi_az_pg_dialect();
    throw ConfigError(
        "invalid value '" + std::string(code) +
            "' for property 'wrapper_dialect' on PostgreSQL: expected one of pg, rds-pg, "
            "aurora-pg, multi-az-pg",
        "wrapper_dialect");
  }
  if (engine == "mysql") {
    if (code == "mysql" || code == "mariadb" || code == "rds-mysql")
      return make_plain_mysql_dialect(code);
    if (code == "aurora-mysql") return make_aurora_mysql_dialect();
    if (code == "multi-az-mysql") return make_multi_az_mysql_dialect();
    throw ConfigError(
        "invalid value '" + code +
            "' for property 'wrapper_dialect' on MySQL: expected one of mysql, mariadb, "
            "rds-mysql, aurora-mysql, multi-az-mysql",
        "wrapper_dialect");
  }
  throw ConfigError("no dialects are built for engine '" + std::string(engine) + "'",
                    "wrapper_dialect");
}

std::unique_ptr<Dialect> detect_dialect(TargetConnection& connection, std::string_view engine) {
  if (engine == "pg") return detect_pg_dialect(connection);
  if (engine == "mysql") return detect_mysql_dialect(connection);
  throw ConfigError("no dialects are built for engine '" + std::string(engine) + "'",
                    "wrapper_dialect");
}

std::shared_ptr<const Dialect> detect_dialect_cached(TargetConnection& connection,
                                                     std::string_view engine) {
  static Mutex mutex;
  static std::map<std::string, std::string> code_by_endpoint GUARDED_BY(mutex);
  std::string key = std::string(engine) + "/" + connection.host().endpoint();
  {
    MutexLock lock(mutex);
    if (auto it = code_by_endpoint.find(key); it != code_by_endpoint.end())
      return make_dialect(it->second, engine);
  }
  std::shared_ptr<const Dialect> dialect = detect_dialect(connection, engine);
  MutexLock lock(mutex);
  code_by_endpoint[key] = std::string(dialect->code());
  return dialect;
}

}  // namespace awrap
