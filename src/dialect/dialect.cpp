#include "dialect/dialect.hpp"

#include "awrap/errors.hpp"
#include "dialect/mysql_dialects.hpp"
#include "dialect/pg_dialects.hpp"

#include <algorithm>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>
#include "base/thread_annotations.hpp"

namespace awrap::internal {

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

namespace {

// The dialect code detected per engine and endpoint.
class DialectCache {
 public:
  std::optional<std::string> find(const std::string& key) const {
    MutexLock lock(mutex_);
    auto it = code_by_endpoint_.find(key);
    return it == code_by_endpoint_.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  void store(const std::string& key, std::string code) {
    MutexLock lock(mutex_);
    code_by_endpoint_[key] = std::move(code);
  }

 private:
  mutable Mutex mutex_;
  std::map<std::string, std::string> code_by_endpoint_ GUARDED_BY(mutex_);
};

}  // namespace

std::shared_ptr<const Dialect> detect_dialect_cached(internal::Runtime& runtime,
                                                     TargetConnection& connection,
                                                     std::string_view engine) {
  auto& cache = runtime.get<DialectCache>();
  std::string key = std::string(engine) + "/" + connection.host().endpoint();
  if (auto code = cache.find(key)) return make_dialect(*code, engine);
  std::shared_ptr<const Dialect> dialect = detect_dialect(connection, engine);
  cache.store(key, std::string(dialect->code()));
  return dialect;
}

}  // namespace awrap::internal
