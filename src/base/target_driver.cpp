// The defaults of the extension API's TargetDriver (include/awrap/ext/target_driver.hpp).
#include "awrap/ext/target_driver.hpp"

#include "awrap/errors.hpp"

namespace awrap {

std::unique_ptr<HostProbe> TargetDriver::make_probe(ConnectSpec /*spec*/) const {
  throw ConfigError("the '" + std::string(engine()) +
                    "' driver makes no host probe: host_monitoring and fastest_response cannot "
                    "watch its hosts");
}

}  // namespace awrap
