#include "node/peer/dns_message.hpp"

namespace shoal::node::dns {
namespace {

constexpr std::size_t kMaxName = 255;

std::uint16_t get16(std::span<const std::uint8_t> m, std::size_t at) {
  return static_cast<std::uint16_t>(m[at] << 8 | m[at + 1]);
}

std::uint32_t get32(std::span<const std::uint8_t> m, std::size_t at) {
  return static_cast<std::uint32_t>(get16(m, at)) << 16 | get16(m, at + 2);
}

// The name at `pos`, appended to `out` uncompressed; the position after it in the message (past
// its first pointer, if any). Each pointer must point before the previous one's target, so a
// walk ends within the message's length whatever the bytes.
std::optional<std::size_t> read_name(std::span<const std::uint8_t> m, std::size_t pos,
                                     std::vector<std::uint8_t>& out) {
  std::size_t after = 0;  // 0: no pointer followed yet
  std::size_t bound = pos;
  std::size_t length = 0;
  for (std::size_t p = pos; p < m.size();) {
    const std::uint8_t len = m[p];
    if ((len & 0xC0) == 0xC0) {
      if (p + 1 >= m.size()) return std::nullopt;
      const std::size_t target = static_cast<std::size_t>(len & 0x3F) << 8 | m[p + 1];
      if (after == 0) after = p + 2;
      if (target >= bound) return std::nullopt;
      bound = p = target;
      continue;
    }
    if ((len & 0xC0) != 0) return std::nullopt;  // extended label types (RFC 6891 retired them)
    length += 1 + len;
    if (length > kMaxName || p + 1 + len > m.size()) return std::nullopt;
    out.insert(out.end(), m.begin() + static_cast<std::ptrdiff_t>(p),
               m.begin() + static_cast<std::ptrdiff_t>(p + 1 + len));
    if (len == 0) return after != 0 ? after : p + 1;
    p += 1 + len;
  }
  return std::nullopt;
}

// Reads the records after the question; records the OPT one's fields in `q`.
bool read_records(std::span<const std::uint8_t> m, std::size_t pos, Query& q) {
  const std::size_t before_additional = std::size_t{get16(m, 6)} + get16(m, 8);
  const std::size_t total = before_additional + get16(m, 10);
  std::vector<std::uint8_t> owner;
  for (std::size_t i = 0; i < total; ++i) {  // each record takes 11 bytes or more: bounded
    owner.clear();
    const auto at = read_name(m, pos, owner);
    if (!at || *at + 10 > m.size()) return false;
    const std::size_t rdlength = get16(m, *at + 8);
    if (*at + 10 + rdlength > m.size()) return false;
    if (get16(m, *at) == kTypeOpt) {
      if (q.edns || i < before_additional || owner.size() != 1) return false;
      q.edns = true;
      q.udp_size = get16(m, *at + 2);
      q.edns_version = static_cast<std::uint8_t>(get32(m, *at + 4) >> 16);
    }
    pos = *at + 10 + rdlength;
  }
  return true;
}

}  // namespace

std::optional<Query> read_query(std::span<const std::uint8_t> m) {
  if (m.size() < kHeaderSize || get16(m, 4) != 1) return std::nullopt;
  Query q;
  q.id = get16(m, 0);
  q.opcode = static_cast<std::uint8_t>((m[2] >> 3) & 0x0F);
  q.rd = (m[2] & 0x01) != 0;
  const auto at = read_name(m, kHeaderSize, q.name);
  if (!at || *at + 4 > m.size()) return std::nullopt;
  q.type = get16(m, *at);
  q.qclass = get16(m, *at + 2);
  if (!read_records(m, *at + 4, q)) return std::nullopt;
  return q;
}

std::string ascii_lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::vector<std::string> lowercase_labels(std::span<const std::uint8_t> name) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < name.size() && name[i] != 0;) {
    const std::size_t len = name[i];
    if (i + 1 + len > name.size()) break;
    out.push_back(ascii_lower(std::string(reinterpret_cast<const char*>(name.data() + i + 1), len)));
    i += 1 + len;
  }
  return out;
}

Writer::Writer(const Query& q, Rcode rcode, bool authoritative) {
  out_.reserve(512);
  out_.assign(kHeaderSize, 0);
  put16(0, q.id);
  out_[2] = static_cast<std::uint8_t>(0x80 | (q.opcode & 0x0F) << 3 | (authoritative ? 0x04 : 0) |
                                      (q.rd ? 0x01 : 0));
  out_[3] = static_cast<std::uint8_t>(rcode & 0x0F);
  put16(4, 1);
  name(q.name);
  u16(q.type);
  u16(q.qclass);
}

void Writer::set_truncated() { out_[2] |= 0x02; }

std::size_t Writer::begin_record(Section s, std::span<const std::uint8_t> owner,
                                 std::uint16_t type, std::uint32_t ttl) {
  count(s);
  name(owner);
  u16(type);
  u16(kClassIn);
  u32(ttl);
  u16(0);  // the data's length, set by end_record
  return out_.size() - 2;
}

void Writer::end_record(std::size_t length_at) {
  put16(length_at, static_cast<std::uint16_t>(out_.size() - length_at - 2));
}

void Writer::opt(std::uint16_t udp_size, std::uint8_t extended_rcode) {
  count(Section::additional);
  out_.push_back(0);  // the root
  u16(kTypeOpt);
  u16(udp_size);
  u32(std::uint32_t{extended_rcode} << 24);  // version 0, no flags
  u16(0);
}

void Writer::u16(std::uint16_t v) {
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
  out_.push_back(static_cast<std::uint8_t>(v));
}

void Writer::u32(std::uint32_t v) {
  u16(static_cast<std::uint16_t>(v >> 16));
  u16(static_cast<std::uint16_t>(v));
}

void Writer::bytes(std::span<const std::uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }

void Writer::name(std::span<const std::uint8_t> wire, bool compress) {
  for (std::size_t i = 0; i < wire.size();) {
    const std::size_t len = wire[i];
    if (len == 0 || i + 1 + len > wire.size()) break;
    std::string suffix(reinterpret_cast<const char*>(wire.data()) + i, wire.size() - i);
    if (auto it = suffixes_.find(suffix); compress && it != suffixes_.end()) {
      u16(static_cast<std::uint16_t>(0xC000 | it->second));
      return;
    }
    if (out_.size() < 0x3FFF) suffixes_.emplace(std::move(suffix), out_.size());
    out_.insert(out_.end(), wire.begin() + static_cast<std::ptrdiff_t>(i),
                wire.begin() + static_cast<std::ptrdiff_t>(i + 1 + len));
    i += 1 + len;
  }
  out_.push_back(0);
}

std::vector<std::byte> Writer::take() {
  std::vector<std::byte> b(out_.size());
  for (std::size_t i = 0; i < out_.size(); ++i) b[i] = std::byte{out_[i]};
  return b;
}

void Writer::count(Section s) {
  const std::size_t at = s == Section::answer ? 6 : s == Section::authority ? 8 : 10;
  put16(at, static_cast<std::uint16_t>(get16(out_, at) + 1));
}

void Writer::put16(std::size_t at, std::uint16_t v) {
  out_[at] = static_cast<std::uint8_t>(v >> 8);
  out_[at + 1] = static_cast<std::uint8_t>(v);
}

}  // namespace shoal::node::dns
