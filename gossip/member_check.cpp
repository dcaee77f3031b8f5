#include "gossip/member_check.hpp"

#include <arpa/inet.h>

#include <type_traits>

namespace shoal::gossip {
namespace {

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

bool addr_ok(std::string_view host, std::uint16_t) { return ip_literal(host); }

}  // namespace

bool valid_name_field(std::string_view name) {
  if (name.size() > kMaxMemberName) return false;
  for (char c : name)
    if (!name_char(c)) return false;
  return true;
}

bool valid_member_name(std::string_view name) { return !name.empty() && valid_name_field(name); }

bool ip_literal(std::string_view host) {
  // inet_pton is pure (no resolver); it needs a NUL-terminated copy of at most 45 characters.
  char buf[64];
  if (host.empty() || host.size() >= sizeof buf || host.find('\0') != std::string_view::npos)
    return false;
  host.copy(buf, host.size());
  buf[host.size()] = '\0';
  unsigned char out[16];
  return inet_pton(AF_INET, buf, out) == 1 || inet_pton(AF_INET6, buf, out) == 1;
}

bool valid_utf8_text(std::string_view s) {
  static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const int n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : -1;
    if (n < 0 || s.size() - i <= static_cast<std::size_t>(n)) return false;
    std::uint32_t cp = n == 0 ? c : n == 1 ? (c & 0x1fu) : n == 2 ? (c & 0x0fu) : (c & 0x07u);
    for (int k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
      if ((d >> 6) != 0x2) return false;
      cp = (cp << 6) | (d & 0x3fu);
    }
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += static_cast<std::size_t>(n) + 1;
  }
  return true;
}

bool valid_meta_text(const Meta& m) {
  if (!valid_utf8_text(m.zone) || !valid_utf8_text(m.api)) return false;
  for (const auto& [k, v] : m.labels)
    if (!valid_utf8_text(k) || !valid_utf8_text(v)) return false;
  return true;
}

bool check_members(const wire::PacketView& packet) {
  for (const auto& r : packet.records)
    if (!valid_member_name(r.name) || !addr_ok(r.host, r.port)) return false;
  for (const auto& msg : packet.messages) {
    const bool ok = std::visit(
        [](const auto& m) {
          using T = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<T, wire::Ping>)
            return valid_name_field(m.target) && valid_name_field(m.source) &&
                   addr_ok(m.source_addr.host, m.source_addr.port);
          else if constexpr (std::is_same_v<T, wire::IndirectPing>)
            return valid_name_field(m.target) && valid_name_field(m.source) &&
                   addr_ok(m.target_addr.host, m.target_addr.port);
          else if constexpr (std::is_same_v<T, wire::AliveView>)
            return valid_member_name(m.name) && addr_ok(m.host, m.port);
          else if constexpr (std::is_same_v<T, wire::Suspect> || std::is_same_v<T, wire::Dead>)
            return valid_member_name(m.name) && valid_name_field(m.from);
          else
            return true;
        },
        msg);
    if (!ok) return false;
  }
  return true;
}

}  // namespace shoal::gossip
