// failover_mode: which hosts a failover may move to.
#pragma once

#include <string_view>

namespace awrap::internal {

enum class FailoverMode { kStrictWriter, kReaderOrWriter, kStrictReader };

// `configured` is the canonical choice ("" when unset); `reader_endpoint` says whether the
// connection string named an RDS reader cluster endpoint.
FailoverMode resolve_failover_mode(std::string_view configured, bool reader_endpoint);
const char* to_string(FailoverMode mode) noexcept;

}  // namespace awrap::internal
