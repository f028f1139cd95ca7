# The library's layers, bottom first: one target each (docs/architecture.md; the diagram there is
# generated from this file by scripts/check-layers.py, which also checks every #include against
# it). A layer's include path is a view, build/layers/<layer>/, holding links to its own FOLDERS
# and FILES (paths under src/) only; it sees the layers it DEPS on (and theirs) through
# target_link_libraries, so an #include that points up or sideways fails to compile.
# Keep one awrap_layer(...) per layer, keywords FOLDERS, FILES, DEPS, NATIVE: the script reads it.

awrap_layer(awrap_base FOLDERS base DEPS awrap_api)
awrap_layer(awrap_driver_pg FOLDERS driver/pg DEPS awrap_base NATIVE PkgConfig::LIBPQ OpenSSL::Crypto)
awrap_layer(awrap_driver_mysql FOLDERS driver/mysql DEPS awrap_base NATIVE PkgConfig::MARIADB)
awrap_layer(awrap_driver FILES driver/builtin_driver.cpp DEPS awrap_driver_pg awrap_driver_mysql)
awrap_layer(awrap_aws FOLDERS aws DEPS awrap_base NATIVE OpenSSL::Crypto CURL::libcurl nlohmann_json::nlohmann_json)
awrap_layer(awrap_dialect FOLDERS dialect DEPS awrap_base)
awrap_layer(awrap_topology FOLDERS topology DEPS awrap_dialect)
awrap_layer(awrap_host_selection FOLDERS host_selection DEPS awrap_topology)
awrap_layer(awrap_core FOLDERS core DEPS awrap_topology)
awrap_layer(awrap_plugins FOLDERS plugin DEPS awrap_core awrap_aws awrap_host_selection)
awrap_layer(awrap_pool FOLDERS pool DEPS awrap_core)
