// `execute_time`: logs how long each call on the connection took (level info).
#pragma once

#include "awrap/ext/plugin.hpp"

namespace awrap::internal {

PluginRegistration make_execute_time_registration();

}  // namespace awrap::internal
