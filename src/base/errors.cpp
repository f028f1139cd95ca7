#include "awrap/errors.hpp"

#include "awrap/log.hpp"

namespace awrap {

Error::Error(const std::string& message, std::string sqlstate, int native_code, std::string host)
    : std::runtime_error(mask_secrets(message)),
      sqlstate_(std::move(sqlstate)),
      native_code_(native_code),
      host_(std::move(host)) {}

ConfigError::ConfigError(const std::string& message, std::string property)
    : Error(message), property_(std::move(property)) {}

}  // namespace awrap
