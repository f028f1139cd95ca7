// The property tables of the built-in plugins that declare their own (next to their code), in
// the order of the built-in list (src/plugin/builtin_plugins.cpp; a unit test checks the two
// agree). Separate from the registrations so the property table can be linked without the
// plugins themselves (the fuzz targets do: fuzz/CMakeLists.txt).
#include "core/plugin_registry.hpp"
#include "plugin/aws_secrets_manager/secrets_manager_properties.hpp"
#include "plugin/iam/iam_properties.hpp"
#include "plugin/read_write_splitting/read_write_splitting_properties.hpp"
#include "plugin/srw/srw_properties.hpp"

namespace awrap::internal {

std::vector<std::span<const PropertyDefinition>> builtin_plugin_property_groups() {
  return {plugin::iam::kIamProperties, plugin::secrets_manager::kSecretsManagerProperties,
          plugin::read_write_splitting::kReadWriteSplittingProperties, plugin::srw::kSrwProperties};
}

}  // namespace awrap::internal
