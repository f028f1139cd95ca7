// Picks the target driver for an engine ("pg" or "mysql").
#pragma once

#include <memory>
#include <string_view>

#include "awrap/ext/target_driver.hpp"

namespace awrap {

// Throws ConfigError for an unknown engine.
std::shared_ptr<TargetDriver> make_driver(std::string_view engine);

}  // namespace awrap
