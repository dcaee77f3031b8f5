// Placement constraints: `ATTR OP VALUE` text -> config::Constraint (see spec.hpp).
//
//   ATTR   name | zone | label.KEY        (KEY: letters, digits, '_', '-', '.', '/')
//   OP     == | != | in | not in
//   VALUE  a bare word (letters, digits, '_', '-', '.', '/', ':'), or a quoted string ("..." or
//          '...', with \" \' \\ escapes in double quotes); `in` and `not in` take a non-empty
//          list `[a, "b c"]`, `==` and `!=` take a single value.
// Constraint::to_string() gives the canonical text, which parses back to the same Constraint.
#pragma once

#include <string_view>

#include "config/diagnostic.hpp"
#include "config/spec.hpp"

namespace shoal::config {

Checked<Constraint> parse_constraint(std::string_view text);

}  // namespace shoal::config
