// Internal view of the property table.
#pragma once

#include <vector>

#include "awrap/properties.hpp"

namespace awrap::internal {

// The built-in definitions only (no user registrations): what docs/configuration.md documents.
std::vector<PropertyDefinition> builtin_property_definitions();

}  // namespace awrap::internal
