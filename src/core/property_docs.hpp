// Renders the property registry and the plugin registry for people: `awrap --help` text and
// docs/configuration.md (a unit test keeps the committed file in sync with the registry).
#pragma once

#include <string>

namespace awrap::internal {

std::string render_properties_help();
std::string render_configuration_markdown();
// The name of the error class of an exception object ("FailoverSuccessError", …).
std::string error_class_name(const std::exception& error);

}  // namespace awrap::internal
