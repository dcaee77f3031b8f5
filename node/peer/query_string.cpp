#include "node/peer/query_string.hpp"

namespace shoal::node {

namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view v, bool plus_is_space) {
  std::string out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '+' && plus_is_space) {
      out += ' ';
    } else if (v[i] != '%') {
      out += v[i];
    } else {
      if (i + 2 >= v.size()) return std::nullopt;
      const int hi = hex(v[i + 1]), lo = hex(v[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
  }
  return out;
}

std::string percent_encode(std::string_view s, std::string_view also_plain) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '.' || c == '_' || c == '~' ||
                       also_plain.find(ch) != std::string_view::npos;
    if (plain) out += ch;
    else (out += '%') += std::string{kHex[c >> 4], kHex[c & 15]};
  }
  return out;
}

}  // namespace shoal::node
