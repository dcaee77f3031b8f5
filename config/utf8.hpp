// UTF-8, well-formed: no overlongs, no surrogates, nothing above U+10FFFF, nothing truncated.
// One definition for every text that comes from outside (names in specs, log lines, values
// shown from the wire).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace shoal::config {

// The length of the well-formed sequence starting at s[i] (1 to 4), 0 when there is none.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

bool valid_utf8(std::string_view text);

// The first `max_input` bytes of `s` with each byte that does not start a well-formed
// sequence replaced by `replacement`.
std::string replace_invalid_utf8(std::string_view s, std::string_view replacement,
                                 std::size_t max_input);

}  // namespace shoal::config
