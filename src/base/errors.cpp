#include "awrap/errors.hpp"

#include "awrap/log.hpp"

namespace awrap {

Error::Error(const std::string& message, std::string sqlstate, int native_code, std::string host)
    : std::runtime_error(mask_secrets(message)),
      sqlstate_(std::move(sqlstate)),
      native_code_(native_code),
      host_(std::move(host)) {}

FailoverError::FailoverError(const std::string& message, std::string sqlstate, int native_code,
                             std::string host, std::vector<std::string> not_restored)
    : Error(message, std::move(sqlstate), native_code, std::move(host)),
      not_restored_(std::move(not_restored)) {
  for (auto& entry : not_restored_) entry = mask_secrets(entry);
}

ConfigError::ConfigError(const std::string& message, std::string property)
    : Error(message), property_(std::move(property)) {}

const char* error_class_name(const Error& e) noexcept {
  // Most derived first.
  if (dynamic_cast<const FailoverSuccessError*>(&e)) return "FailoverSuccessError";
  if (dynamic_cast<const TransactionResolutionUnknownError*>(&e))
    return "TransactionResolutionUnknownError";
  if (dynamic_cast<const FailoverFailedError*>(&e)) return "FailoverFailedError";
  if (dynamic_cast<const ConfigError*>(&e)) return "ConfigError";
  if (dynamic_cast<const AuthError*>(&e)) return "AuthError";
  if (dynamic_cast<const ConnectError*>(&e)) return "ConnectError";
  if (dynamic_cast<const QueryCancelledError*>(&e)) return "QueryCancelledError";
  if (dynamic_cast<const ReadOnlyViolationError*>(&e)) return "ReadOnlyViolationError";
  if (dynamic_cast<const QueryError*>(&e)) return "QueryError";
  if (dynamic_cast<const ConnectionLostError*>(&e)) return "ConnectionLostError";
  if (dynamic_cast<const ReadWriteSplittingError*>(&e)) return "ReadWriteSplittingError";
  if (dynamic_cast<const ConnectionClosedError*>(&e)) return "ConnectionClosedError";
  if (dynamic_cast<const PoolTimeoutError*>(&e)) return "PoolTimeoutError";
  return "Error";
}

}  // namespace awrap
