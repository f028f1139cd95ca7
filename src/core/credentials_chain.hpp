// The BackgroundCredentials of a Connection: every authentication plugin's, applied in pipeline
// order (outermost first), as its connect chain applies them to the application's logins.
#pragma once

#include <memory>
#include <vector>

#include "awrap/ext/background_credentials.hpp"
#include "awrap/ext/plugin.hpp"

namespace awrap::internal {

// Null when no plugin offers background credentials.
std::shared_ptr<const BackgroundCredentials> chain_background_credentials(
    const std::vector<Plugin*>& plugins_outermost_first);

}  // namespace awrap::internal
