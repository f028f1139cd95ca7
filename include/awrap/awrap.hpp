// awrap: one include for the whole public API.
#pragma once

#include "awrap/connection.hpp"
#include "awrap/errors.hpp"
#include "awrap/host_info.hpp"
#include "awrap/log.hpp"
#include "awrap/params.hpp"
#include "awrap/plugin.hpp"
#include "awrap/pool.hpp"
#include "awrap/properties.hpp"
#include "awrap/result.hpp"
#include "awrap/target_driver.hpp"
