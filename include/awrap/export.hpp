// What the shared library exports. The library is built with hidden visibility: only what the
// public headers mark AWRAP_EXPORT (the application API, errors, and the extension API for plugin
// and driver authors) is visible to programs linking libawrap.so; internals are not.
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define AWRAP_EXPORT __attribute__((visibility("default")))
#else
#define AWRAP_EXPORT
#endif
