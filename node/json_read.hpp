// Reading a peer's JSON answer without trusting its shape: a missing or mistyped key reads as an
// empty array or null, never an exception.
#pragma once

#include <nlohmann/json.hpp>

namespace shoal::node {

inline const nlohmann::json& array_at(const nlohmann::json& j, const char* key) {
  static const nlohmann::json empty = nlohmann::json::array();
  return j.is_object() && j.contains(key) && j[key].is_array() ? j[key] : empty;
}

inline nlohmann::json field_at(const nlohmann::json& j, const char* key) {
  return j.is_object() ? j.value(key, nlohmann::json()) : nlohmann::json();
}

}  // namespace shoal::node
