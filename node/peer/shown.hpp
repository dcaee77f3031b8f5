// At most 64 characters of a value from outside, for a message that quotes it back.
#pragma once

#include <string>
#include <string_view>

namespace shoal::node {

inline std::string shown(std::string_view v) {
  return std::string(v.substr(0, 64)) + (v.size() > 64 ? "..." : "");
}

}  // namespace shoal::node
