// Byte buffers and a small result type shared by the replicated store, the sealer and the
// keyring. Pure header, no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shoal::gossip {

using Bytes = std::vector<std::byte>;
using ByteView = std::span<const std::byte>;

// Either a value or an error message: what decoders, restore() and parsers return on input that
// may be malformed (never an exception, never undefined behaviour).
template <class T>
class Parsed {
 public:
  Parsed(T value) : value_(std::move(value)) {}  // NOLINT: implicit on purpose
  static Parsed failure(std::string message) { return Parsed(Error{std::move(message)}); }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  const std::string& error() const { return error_; }

 private:
  struct Error { std::string message; };
  explicit Parsed(Error e) : error_(std::move(e.message)) {}
  std::optional<T> value_;
  std::string error_;
};

inline Bytes string_to_bytes(std::string_view s) {
  Bytes b(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) b[i] = static_cast<std::byte>(s[i]);
  return b;
}

inline std::string bytes_to_string(ByteView b) {
  std::string s(b.size(), '\0');
  for (std::size_t i = 0; i < b.size(); ++i) s[i] = static_cast<char>(b[i]);
  return s;
}

}  // namespace shoal::gossip
