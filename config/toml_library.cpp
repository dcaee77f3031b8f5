// toml++'s implementation, compiled once here for every user of its headers (TOML_HEADER_ONLY=0
// through shoal::toml), instead of loading its shared library.
//
// Its internal assertions are off, as in Debian's build of the library: toml++ 3.3's parser
// asserts that a key starts with a key character or a quote, then handles the other case with
// a syntax error, so a table header such as `[{x]` (found by tests/fuzz/toml.cpp) aborted a
// build without NDEBUG. Defined, TOML_ASSERT also keeps toml++ from assuming the expression.
#define TOML_ASSERT(expr) static_cast<void>(0)
#define TOML_IMPLEMENTATION
#include "config/toml.hpp"
