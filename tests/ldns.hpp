// The one way to include ldns from C++: without <stdbool.h> first, <ldns/common.h> defines
// `bool`, `true` and `false` as macros, which breaks every C++ header included after it.
#pragma once

#include <stdbool.h>  // NOLINT(modernize-deprecated-headers): sets __bool_true_false_are_defined

#include <ldns/ldns.h>
