// PoolOptions::validate and the names of close reasons.
#include <string>

#include "awrap/pool.hpp"

namespace awrap {

// The public API implemented with awrap's internals.
using namespace internal;
namespace {

constexpr std::chrono::milliseconds kSecond{1'000};
constexpr std::chrono::milliseconds kHour{3'600'000};
constexpr std::chrono::milliseconds kDay{24 * 3'600'000};
constexpr std::size_t kMaxPoolSize = 10'000;

[[noreturn]] void refuse(const std::string& field, const std::string& value,
                         const std::string& accepted) {
  throw ConfigError(
      "invalid value " + value + " for pool option '" + field + "': accepted " + accepted, field);
}

std::string ms(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + " ms";
}

// `off_allowed`: zero is accepted and means "off".
void check_range(const char* field, std::chrono::milliseconds value, std::chrono::milliseconds min,
                 std::chrono::milliseconds max, bool off_allowed) {
  if (off_allowed && value.count() == 0) return;
  if (value < min || value > max)
    refuse(field, ms(value),
           std::string(off_allowed ? "0 (off) or " : "") + ms(min) + " to " + ms(max));
}

}  // namespace

void PoolOptions::validate() const {
  if (max_size < 1 || max_size > kMaxPoolSize)
    refuse("max_size", std::to_string(max_size), "1 to " + std::to_string(kMaxPoolSize));
  if (min_idle > max_size)
    refuse("min_idle", std::to_string(min_idle),
           "0 to max_size (" + std::to_string(max_size) + ")");
  check_range("acquire_timeout", acquire_timeout, std::chrono::milliseconds(1), kDay, false);
  check_range("max_lifetime", max_lifetime, kSecond, 30 * kDay, true);
  check_range("idle_timeout", idle_timeout, std::chrono::milliseconds(1), 30 * kDay, true);
  check_range("validation_idle_threshold", validation_idle_threshold, std::chrono::milliseconds(0),
              30 * kDay, false);
  check_range("validation_timeout", validation_timeout, std::chrono::milliseconds(1), kHour, false);
  check_range("leak_detection_threshold", leak_detection_threshold, std::chrono::milliseconds(1),
              30 * kDay, true);
  check_range("housekeeping_interval", housekeeping_interval, std::chrono::milliseconds(1), kHour,
              false);
}

const char* to_string(PoolCloseReason reason) noexcept {
  switch (reason) {
    case PoolCloseReason::kIdleTimeout:
      return "idle_timeout";
    case PoolCloseReason::kMaxLifetime:
      return "max_lifetime";
    case PoolCloseReason::kBroken:
      return "broken";
    case PoolCloseReason::kResetFailed:
      return "reset_failed";
    case PoolCloseReason::kValidationFailed:
      return "validation_failed";
    case PoolCloseReason::kDemotedWriter:
      return "demoted_writer";
    case PoolCloseReason::kDiscarded:
      return "discarded";
    case PoolCloseReason::kPoolClosed:
      return "pool_closed";
    case PoolCloseReason::kCount:
      break;
  }
  return "unknown";
}

std::uint64_t PoolCounters::closed_total() const {
  std::uint64_t total = 0;
  for (auto n : closed) total += n;
  return total;
}

}  // namespace awrap
