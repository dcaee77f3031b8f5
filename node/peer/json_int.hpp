// Integers read from JSON that came from outside (gossip, files, the container engine).
// nlohmann's get<T> truncates 2^32 + 1 to 1 and 2.5 to 2, and converting a double beyond T's
// range (1e30 as an int) is undefined behaviour; these accept an exact integer of T's range only.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace shoal::node {

template <typename T>
std::optional<T> json_int(const nlohmann::json& v) {
  using L = std::numeric_limits<T>;
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(L::max())) return static_cast<T>(u);
  } else if (v.is_number_integer()) {
    const auto i = v.get<std::int64_t>();
    const bool above_min = L::is_signed ? i >= static_cast<std::int64_t>(L::min()) : i >= 0;
    if (above_min && (i < 0 || static_cast<std::uint64_t>(i) <= static_cast<std::uint64_t>(L::max())))
      return static_cast<T>(i);
  }
  return std::nullopt;
}

// The member `key` of object `j` as an integer of T's range, or nothing.
template <typename T>
std::optional<T> json_int_at(const nlohmann::json& j, std::string_view key) {
  if (!j.is_object()) return std::nullopt;
  const auto it = j.find(key);
  return it == j.end() ? std::nullopt : json_int<T>(*it);
}

// True when `j` is an object whose "v" is exactly `version`.
inline bool json_version_is(const nlohmann::json& j, int version) {
  return json_int_at<int>(j, "v") == version;
}

}  // namespace shoal::node
