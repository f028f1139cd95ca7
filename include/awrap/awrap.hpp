// awrap: one include for the application API. Plugin and driver authors also include
// awrap/ext/plugin.hpp and awrap/ext/target_driver.hpp (the extension API).
#pragma once

#include "awrap/connection.hpp"
#include "awrap/errors.hpp"
#include "awrap/events.hpp"
#include "awrap/host_info.hpp"
#include "awrap/log.hpp"
#include "awrap/params.hpp"
#include "awrap/pool.hpp"
#include "awrap/properties.hpp"
#include "awrap/result.hpp"
#include "awrap/session.hpp"
