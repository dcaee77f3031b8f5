// toml++'s implementation, compiled once here for every user of its headers (TOML_HEADER_ONLY=0
// through shoal::toml), instead of loading its shared library.
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
