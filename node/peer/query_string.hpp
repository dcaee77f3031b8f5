// The values of a request's query string (`?down=a%2Cb`, `?since=10m`), encoded and decoded.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace shoal::node {

// `v` with each %XX replaced by its byte, and `+` by a space when `plus_is_space` (HTML form
// encoding); nullopt for a `%` not followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view v, bool plus_is_space);

// `s` with every byte but RFC 3986's unreserved ones (and those of `also_plain`) as %XX.
std::string percent_encode(std::string_view s, std::string_view also_plain = {});

}  // namespace shoal::node
