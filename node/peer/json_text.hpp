// JSON to text that never throws: strings from the wire or from files may hold bytes that are
// not UTF-8 (nlohmann's dump() throws on them); they are replaced with U+FFFD instead. Every
// dump in node/ goes through here.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace shoal::node {

inline std::string json_text(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace shoal::node
