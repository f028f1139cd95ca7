// `connect_time`: logs how long each physical connect took (level info) and keeps the total.
#pragma once

#include "awrap/ext/plugin.hpp"

namespace awrap::internal {

PluginRegistration make_connect_time_registration();

}  // namespace awrap::internal
