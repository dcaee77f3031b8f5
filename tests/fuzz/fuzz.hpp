// Shared by the libFuzzer targets: the input as the views the decoders take.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace shoal::fuzz {

inline std::span<const std::byte> bytes(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const std::byte*>(data), size};
}

inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The first byte picks what the rest is fed to (its low bit), so one target covers two inputs
// and every seed names its own.
struct Split {
  bool second = false;
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
};
inline Split split(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return {};
  return {(data[0] & 1) != 0, data + 1, size - 1};
}

}  // namespace shoal::fuzz
