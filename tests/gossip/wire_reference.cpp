// The msgpack-c based encoder and decoder gossip/wire.cpp had before its own reader and
// writer: the reference the wire tests hold the new code against, byte for byte and verdict for
// verdict. Test-only.
#include "wire_reference.hpp"

#include <msgpack.hpp>

#include <algorithm>
#include <cstring>
#include <exception>

namespace shoal::gossip::wire_ref {
using namespace shoal::gossip::wire;
namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

void pack_str(Packer& pk, const std::string& s) {
  pk.pack_str(static_cast<std::uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
}
void pack_bin(Packer& pk, const char* p, std::size_t n) {
  pk.pack_bin(static_cast<std::uint32_t>(n));
  pk.pack_bin_body(p, static_cast<std::uint32_t>(n));
}
void pack_bool(Packer& pk, bool b) {
  if (b) pk.pack_true(); else pk.pack_false();
}
void pack_addr(Packer& pk, const Address& a) {
  pk.pack_array(2);
  pack_str(pk, a.host);
  pk.pack_uint16(a.port);
}
msgpack::sbuffer meta_buffer(const Meta& m) {
  msgpack::sbuffer buf;
  Packer pk(&buf);
  pk.pack_array(8);
  pack_str(pk, m.zone);
  std::map<std::string, std::string> labels = m.labels;  // the tree label in its sorted place
  if (m.tree_broadcast) labels.emplace(std::string(kTreeLabel), std::string(kTreeLabelValue));
  pk.pack_map(static_cast<std::uint32_t>(labels.size()));
  for (const auto& [k, v] : labels) {  // std::map: sorted, deterministic
    pack_str(pk, k);
    pack_str(pk, v);
  }
  pk.pack_int64(m.cpu_milli);
  pk.pack_int64(m.memory_mib);
  pack_str(pk, m.api);
  pk.pack_uint32(m.algorithm_version);
  pack_bool(pk, m.ready);
  pack_bool(pk, m.schedulable);
  return buf;
}
void pack_meta(Packer& pk, const Meta& m) {
  msgpack::sbuffer b = meta_buffer(m);
  pack_bin(pk, b.data(), b.size());
}

struct BodyPacker {
  Packer& pk;
  void operator()(const Ping& m) {
    pk.pack_array(4);
    pk.pack_uint32(m.seq);
    pack_str(pk, m.target);
    pack_str(pk, m.source);
    pack_addr(pk, m.source_addr);
  }
  void operator()(const IndirectPing& m) {
    pk.pack_array(5);
    pk.pack_uint32(m.seq);
    pack_str(pk, m.target);
    pack_addr(pk, m.target_addr);
    pack_bool(pk, m.nack);
    pack_str(pk, m.source);
  }
  void operator()(const Ack& m) {
    pk.pack_array(1);
    pk.pack_uint32(m.seq);
  }
  void operator()(const Nack& m) {
    pk.pack_array(1);
    pk.pack_uint32(m.seq);
  }
  void operator()(const Alive& m) {
    pk.pack_array(4);
    pack_str(pk, m.name);
    pack_addr(pk, m.addr);
    pk.pack_uint64(m.incarnation);
    pack_meta(pk, m.meta);
  }
  void operator()(const Suspect& m) {
    pk.pack_array(3);
    pack_str(pk, m.name);
    pk.pack_uint64(m.incarnation);
    pack_str(pk, m.from);
  }
  void operator()(const Dead& m) {
    pk.pack_array(3);
    pack_str(pk, m.name);
    pk.pack_uint64(m.incarnation);
    pack_str(pk, m.from);
  }
  void operator()(const StateDelta& m) {
    pack_bin(pk, reinterpret_cast<const char*>(m.batch.data()), m.batch.size());
  }
  void operator()(const StateSync& m) {
    pack_bin(pk, reinterpret_cast<const char*>(m.message.data()), m.message.size());
  }
  void operator()(const Tree& m) {
    pk.pack_array(4);
    pk.pack_uint8(static_cast<std::uint8_t>(m.kind));
    pack_str(pk, m.from);
    pk.pack_array(static_cast<std::uint32_t>(m.ids.size()));
    for (const auto& id : m.ids) {
      pk.pack_array(2);
      pack_str(pk, id.key);
      pk.pack_uint64(id.hlc);
    }
    pack_bin(pk, reinterpret_cast<const char*>(m.batch.data()), m.batch.size());
  }
  void operator()(const PushPull& m) {
    pk.pack_array(4);
    pack_bool(pk, m.join);
    pack_bool(pk, m.reply);
    pk.pack_array(static_cast<std::uint32_t>(m.members.size()));
    for (const auto& r : m.members) {
      pk.pack_array(5);
      pack_str(pk, r.name);
      pack_addr(pk, r.addr);
      pk.pack_uint64(r.incarnation);
      pk.pack_uint8(static_cast<std::uint8_t>(r.state));
      pack_meta(pk, r.meta);
    }
    pack_bin(pk, reinterpret_cast<const char*>(m.state.data()), m.state.size());
  }
};

Type type_of(const Message& m) {
  return std::visit(
      [](const auto& v) -> Type {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Ping>) return Type::ping;
        else if constexpr (std::is_same_v<T, IndirectPing>) return Type::indirect_ping;
        else if constexpr (std::is_same_v<T, Ack>) return Type::ack;
        else if constexpr (std::is_same_v<T, Nack>) return Type::nack;
        else if constexpr (std::is_same_v<T, Alive>) return Type::alive;
        else if constexpr (std::is_same_v<T, Suspect>) return Type::suspect;
        else if constexpr (std::is_same_v<T, Dead>) return Type::dead;
        else if constexpr (std::is_same_v<T, StateDelta>) return Type::state;
        else if constexpr (std::is_same_v<T, StateSync>) return Type::state_sync;
        else if constexpr (std::is_same_v<T, Tree>) return Type::tree;
        else return Type::push_pull;
      },
      m);
}

Bytes to_bytes(const msgpack::sbuffer& b, std::initializer_list<std::uint8_t> prefix) {
  Bytes out(prefix.size() + b.size());
  std::size_t i = 0;
  for (auto p : prefix) out[i++] = std::byte{p};
  if (b.size()) std::memcpy(out.data() + i, b.data(), b.size());
  return out;
}

// ---- decoding -------------------------------------------------------------------------------

using Obj = msgpack::object;

bool get_u64(const Obj& o, std::uint64_t& v) {
  if (o.type != msgpack::type::POSITIVE_INTEGER) return false;
  v = o.via.u64;
  return true;
}
bool get_u32(const Obj& o, std::uint32_t& v) {
  std::uint64_t x;
  if (!get_u64(o, x) || x > UINT32_MAX) return false;
  v = static_cast<std::uint32_t>(x);
  return true;
}
bool get_i64(const Obj& o, std::int64_t& v) {
  if (o.type == msgpack::type::POSITIVE_INTEGER) {
    if (o.via.u64 > static_cast<std::uint64_t>(INT64_MAX)) return false;
    v = static_cast<std::int64_t>(o.via.u64);
    return true;
  }
  if (o.type == msgpack::type::NEGATIVE_INTEGER) {
    v = o.via.i64;
    return true;
  }
  return false;
}
bool get_bool(const Obj& o, bool& v) {
  if (o.type != msgpack::type::BOOLEAN) return false;
  v = o.via.boolean;
  return true;
}
bool get_str(const Obj& o, std::string& v, std::size_t max) {
  if (o.type != msgpack::type::STR || o.via.str.size > max) return false;
  v.assign(o.via.str.ptr, o.via.str.size);
  return true;
}
const Obj* get_array(const Obj& o, std::uint32_t n) {
  if (o.type != msgpack::type::ARRAY || o.via.array.size != n) return nullptr;
  return o.via.array.ptr;
}
bool get_bin(const Obj& o, Bytes& v) {
  if (o.type != msgpack::type::BIN) return false;
  v.resize(o.via.bin.size);
  if (o.via.bin.size) std::memcpy(v.data(), o.via.bin.ptr, o.via.bin.size);
  return true;
}
bool get_addr(const Obj& o, Address& a) {
  const Obj* f = get_array(o, 2);
  std::uint64_t port;
  if (!f || !get_str(f[0], a.host, kMaxNameBytes) || !get_u64(f[1], port) || port > 65535)
    return false;
  a.port = static_cast<std::uint16_t>(port);
  return true;
}

msgpack::unpack_limit limits_for(std::size_t len) {
  // Every element takes at least one byte, so no count may exceed the input length: this keeps
  // the parser's allocations proportional to the packet, whatever a header claims.
  std::size_t n = std::max<std::size_t>(len, 1);
  return msgpack::unpack_limit(n, n / 2 + 1, n, n, 0, 8);
}

// Parses exactly one msgpack object covering all of [p, p+len).
bool parse_whole(const char* p, std::size_t len, msgpack::object_handle& oh) {
  try {
    std::size_t off = 0;
    oh = msgpack::unpack(p, len, off, nullptr, nullptr, limits_for(len));
    return off == len;
  } catch (const std::exception&) {
    return false;
  }
}

bool get_meta(const Obj& o, Meta& m, std::size_t& bytes) {
  if (o.type != msgpack::type::BIN || o.via.bin.size > kMaxMetaBytes) return false;
  bytes = o.via.bin.size;
  msgpack::object_handle oh;
  if (!parse_whole(o.via.bin.ptr, o.via.bin.size, oh)) return false;
  const Obj* f = get_array(oh.get(), 8);
  if (!f || !get_str(f[0], m.zone, kMaxMetaBytes)) return false;
  if (f[1].type != msgpack::type::MAP) return false;
  m.labels.clear();
  m.tree_broadcast = false;
  for (std::uint32_t i = 0; i < f[1].via.map.size; ++i) {
    std::string k, v;
    if (!get_str(f[1].via.map.ptr[i].key, k, kMaxMetaBytes) ||
        !get_str(f[1].via.map.ptr[i].val, v, kMaxMetaBytes))
      return false;
    if (k == kTreeLabel) {
      if (m.tree_broadcast) return false;
      m.tree_broadcast = v == kTreeLabelValue;
      continue;
    }
    if (!m.labels.emplace(std::move(k), std::move(v)).second) return false;  // duplicate key
  }
  return get_i64(f[2], m.cpu_milli) && get_i64(f[3], m.memory_mib) &&
         get_str(f[4], m.api, kMaxMetaBytes) && get_u32(f[5], m.algorithm_version) &&
         get_bool(f[6], m.ready) && get_bool(f[7], m.schedulable);
}

bool decode_body(Type t, const Obj& o, std::vector<Message>& out) {
  switch (t) {
    case Type::ping: {
      Ping m;
      const Obj* f = get_array(o, 4);
      if (!f || !get_u32(f[0], m.seq) || !get_str(f[1], m.target, kMaxNameBytes) ||
          !get_str(f[2], m.source, kMaxNameBytes) || !get_addr(f[3], m.source_addr))
        return false;
      out.emplace_back(std::move(m));
      return true;
    }
    case Type::indirect_ping: {
      IndirectPing m;
      const Obj* f = get_array(o, 5);
      if (!f || !get_u32(f[0], m.seq) || !get_str(f[1], m.target, kMaxNameBytes) ||
          !get_addr(f[2], m.target_addr) || !get_bool(f[3], m.nack) ||
          !get_str(f[4], m.source, kMaxNameBytes))
        return false;
      out.emplace_back(std::move(m));
      return true;
    }
    case Type::ack:
    case Type::nack: {
      const Obj* f = get_array(o, 1);
      std::uint32_t seq;
      if (!f || !get_u32(f[0], seq)) return false;
      if (t == Type::ack) out.emplace_back(Ack{seq}); else out.emplace_back(Nack{seq});
      return true;
    }
    case Type::alive: {
      Alive m;
      const Obj* f = get_array(o, 4);
      if (!f || !get_str(f[0], m.name, kMaxNameBytes) || m.name.empty() ||
          !get_addr(f[1], m.addr) || !get_u64(f[2], m.incarnation) ||
          !get_meta(f[3], m.meta, m.meta_bytes))
        return false;
      out.emplace_back(std::move(m));
      return true;
    }
    case Type::suspect:
    case Type::dead: {
      const Obj* f = get_array(o, 3);
      std::string name, from;
      std::uint64_t inc;
      if (!f || !get_str(f[0], name, kMaxNameBytes) || name.empty() || !get_u64(f[1], inc) ||
          !get_str(f[2], from, kMaxNameBytes))
        return false;
      if (t == Type::suspect) out.emplace_back(Suspect{std::move(name), inc, std::move(from)});
      else out.emplace_back(Dead{std::move(name), inc, std::move(from)});
      return true;
    }
    case Type::push_pull: {
      PushPull m;
      const Obj* f = get_array(o, 4);
      if (!f || !get_bool(f[0], m.join) || !get_bool(f[1], m.reply) ||
          f[2].type != msgpack::type::ARRAY || !get_bin(f[3], m.state))
        return false;
      m.members.reserve(f[2].via.array.size);
      for (std::uint32_t i = 0; i < f[2].via.array.size; ++i) {
        MemberRecord r;
        const Obj* g = get_array(f[2].via.array.ptr[i], 5);
        std::uint64_t st;
        std::size_t mb;
        if (!g || !get_str(g[0], r.name, kMaxNameBytes) || r.name.empty() ||
            !get_addr(g[1], r.addr) || !get_u64(g[2], r.incarnation) || !get_u64(g[3], st) ||
            st > static_cast<std::uint64_t>(MemberState::left) || !get_meta(g[4], r.meta, mb))
          return false;
        r.state = static_cast<MemberState>(st);
        r.meta_bytes = mb;
        m.members.push_back(std::move(r));
      }
      out.emplace_back(std::move(m));
      return true;
    }
    case Type::state: {
      StateDelta m;
      if (!get_bin(o, m.batch) || m.batch.empty()) return false;
      out.emplace_back(std::move(m));
      return true;
    }
    case Type::state_sync: {
      StateSync m;
      if (!get_bin(o, m.message) || m.message.empty()) return false;
      out.emplace_back(std::move(m));
      return true;
    }
    case Type::tree: {
      Tree m;
      const Obj* f = get_array(o, 4);
      std::uint64_t kind;
      if (!f || !get_u64(f[0], kind) || kind > static_cast<std::uint64_t>(TreeKind::prune) ||
          !get_str(f[1], m.from, kMaxNameBytes) || m.from.empty() ||
          f[2].type != msgpack::type::ARRAY || !get_bin(f[3], m.batch))
        return false;
      m.kind = static_cast<TreeKind>(kind);
      for (std::uint32_t i = 0; i < f[2].via.array.size; ++i) {
        TreeId id;
        const Obj* g = get_array(f[2].via.array.ptr[i], 2);
        if (!g || !get_str(g[0], id.key, kMaxTreeKeyBytes) || id.key.empty() ||
            !get_u64(g[1], id.hlc))
          return false;
        m.ids.push_back(std::move(id));
      }
      const bool push = m.kind == TreeKind::push;
      if (push == m.batch.empty() || (push || m.kind == TreeKind::prune) != m.ids.empty())
        return false;
      out.emplace_back(std::move(m));
      return true;
    }
    case Type::compound:
      return false;
  }
  return false;
}

bool is_known_type(std::uint8_t t) { return t >= 1 && t <= 12; }

// type byte + msgpack body
bool decode_part(const char* p, std::size_t len, std::vector<Message>& out) {
  if (len < 2) return false;
  std::uint8_t t = static_cast<std::uint8_t>(p[0]);
  if (!is_known_type(t) || t == static_cast<std::uint8_t>(Type::compound)) return false;
  msgpack::object_handle oh;
  if (!parse_whole(p + 1, len - 1, oh)) return false;
  return decode_body(static_cast<Type>(t), oh.get(), out);
}

}  // namespace

Bytes encode_part(const Message& m) {
  msgpack::sbuffer buf;
  Packer pk(&buf);
  std::visit(BodyPacker{pk}, m);
  return to_bytes(buf, {static_cast<std::uint8_t>(type_of(m))});
}

Bytes encode(const Message& m) {
  msgpack::sbuffer buf;
  Packer pk(&buf);
  std::visit(BodyPacker{pk}, m);
  return to_bytes(buf, {kProtocolVersion, static_cast<std::uint8_t>(type_of(m))});
}

Bytes encode_compound(const std::vector<Bytes>& parts) {
  msgpack::sbuffer buf;
  Packer pk(&buf);
  std::size_t n = std::min(parts.size(), kMaxCompoundParts);
  pk.pack_array(static_cast<std::uint32_t>(n));
  for (std::size_t i = 0; i < n; ++i)
    pack_bin(pk, reinterpret_cast<const char*>(parts[i].data()), parts[i].size());
  return to_bytes(buf, {kProtocolVersion, static_cast<std::uint8_t>(Type::compound)});
}

std::size_t meta_size(const Meta& m) { return meta_buffer(m).size(); }

Bytes encode_meta(const Meta& m) { return to_bytes(meta_buffer(m), {}); }

bool decode(std::span<const std::byte> packet, std::vector<Message>& out) {
  out.clear();
  if (packet.size() < 3) return false;
  const char* p = reinterpret_cast<const char*>(packet.data());
  if (static_cast<std::uint8_t>(p[0]) != kProtocolVersion) return false;
  std::uint8_t t = static_cast<std::uint8_t>(p[1]);
  bool ok = false;
  if (t == static_cast<std::uint8_t>(Type::compound)) {
    msgpack::object_handle oh;
    if (parse_whole(p + 2, packet.size() - 2, oh)) {
      const Obj& o = oh.get();
      if (o.type == msgpack::type::ARRAY && o.via.array.size >= 1 &&
          o.via.array.size <= kMaxCompoundParts) {
        ok = true;
        for (std::uint32_t i = 0; ok && i < o.via.array.size; ++i) {
          const Obj& part = o.via.array.ptr[i];
          ok = part.type == msgpack::type::BIN &&
               decode_part(part.via.bin.ptr, part.via.bin.size, out);
        }
      }
    }
  } else {
    ok = decode_part(p + 1, packet.size() - 1, out);
  }
  if (!ok) out.clear();
  return ok;
}

}  // namespace shoal::gossip::wire_ref
