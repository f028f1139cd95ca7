// A host probe that resolves its host's name without blocking the monitors' loop thread: it
// starts the lookup (PendingLookup), waits for it like for any socket, then hands the addresses to
// the driver's probe (ConnectSpec::addresses). A native driver would resolve the name itself,
// synchronously, inside the loop: a slow DNS server would then hold every other host's probe.
#pragma once

#include <memory>

#include "awrap/ext/target_driver.hpp"

namespace awrap::internal {

// `driver`'s probe of spec.host; a host given as an IP literal, or with spec.addresses set, goes
// to the driver's probe directly. The lookup is bounded by the caller's deadline like any other
// wait of the probe (abandon()).
std::unique_ptr<HostProbe> make_resolving_probe(std::shared_ptr<const TargetDriver> driver,
                                                ConnectSpec spec);

}  // namespace awrap::internal
