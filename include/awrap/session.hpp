// The state of a session as an application sees it: its transaction status and isolation level.
#pragma once

#include <cstdint>

namespace awrap {

enum class TransactionStatus : std::uint8_t {
  kIdle,                 // not in a transaction
  kInTransaction,        // inside BEGIN … COMMIT, last statement succeeded
  kInFailedTransaction,  // inside a transaction whose last statement failed
  kUnknown,              // connection lost or state cannot be known
};

enum class IsolationLevel : std::uint8_t {
  kDefault,  // the server's default; never set explicitly
  kReadUncommitted,
  kReadCommitted,
  kRepeatableRead,
  kSerializable,
};

}  // namespace awrap
