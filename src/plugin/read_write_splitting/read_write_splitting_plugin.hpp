// `read_write_splitting`: Connection::set_read_only(true) moves the Connection to a reader
// (reader_host_selector_strategy), set_read_only(false) back to the writer. The other side's
// physical connection stays open, so switching back costs no new login; session settings
// (autocommit, isolation, read-only) are carried over. Switching inside a transaction is a
// ReadWriteSplittingError. docs/plugins.md#read-write-splitting.
#pragma once

#include "awrap/ext/plugin.hpp"

namespace awrap::internal {

PluginRegistration make_read_write_splitting_registration();

}  // namespace awrap::internal
