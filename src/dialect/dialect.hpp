// Dialects (the interface is in awrap/ext/dialect.hpp): awrap's built-in flavours, how to
// recognise the one a connection is on, and the parsing their queries share.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "awrap/ext/dialect.hpp"
#include "base/runtime.hpp"

namespace awrap::internal {

// "YYYY-MM-DD HH:MM:SS" (how the topology queries format a UTC time; anything after the seconds
// is ignored) -> time point. nullopt when malformed or outside the years system_clock can hold
// (1678 to 2261: it counts nanoseconds in 64 bits), so a server's odd value is never undefined
// behaviour.
std::optional<std::chrono::system_clock::time_point> parse_server_utc_time(std::string_view text);

// The dialect for `code`; throws ConfigError naming the accepted codes for the engine.
std::unique_ptr<Dialect> make_dialect(std::string_view code, std::string_view engine);
// detect_dialect, remembered per endpoint for the life of `runtime` (a service of it:
// base/runtime.hpp), so only the first connection to an endpoint pays for the detection queries.
std::shared_ptr<const Dialect> detect_dialect_cached(internal::Runtime& runtime,
                                                     TargetConnection& connection,
                                                     std::string_view engine);
// Runs the detection queries on `connection` and returns the best-fitting dialect.
std::unique_ptr<Dialect> detect_dialect(TargetConnection& connection, std::string_view engine);

}  // namespace awrap::internal
