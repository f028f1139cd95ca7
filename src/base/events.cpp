#include "awrap/events.hpp"

namespace awrap {

// The names docs/events.md and the Python binding use.
const char* to_string(FailoverResult result) noexcept {
  switch (result) {
    case FailoverResult::kSuccess:
      return "success";
    case FailoverResult::kTransactionResolutionUnknown:
      return "transaction_resolution_unknown";
    case FailoverResult::kFailed:
      return "failed";
  }
  return "unknown";
}

const char* to_string(CallAbortReason reason) noexcept {
  switch (reason) {
    case CallAbortReason::kHostUnresponsive:
      return "host_unresponsive";
    case CallAbortReason::kWriterReplaced:
      return "writer_replaced";
  }
  return "unknown";
}

}  // namespace awrap
