#include "gossip/wire.hpp"

#include <algorithm>
#include <cstring>

#include "gossip/msgpack_reader.hpp"
#include "gossip/msgpack_writer.hpp"

namespace shoal::gossip::wire {
namespace {

// ---- encoding -------------------------------------------------------------------------------
// msgpack_writer.hpp writes; these write the shapes of a packet.

template <typename Sink>
class BasicWriter : public MsgpackWriter<Sink> {
 public:
  using MsgpackWriter<Sink>::MsgpackWriter;
  void addr(const Address& a) {
    this->array(2);
    this->str(a.host);
    this->uint(a.port);
  }
};

class Writer : public BasicWriter<AppendTo> {
 public:
  explicit Writer(Bytes& out) : BasicWriter<AppendTo>(AppendTo{&out}) {}
};

void write_meta(Writer& w, const Meta& m) {
  w.array(8);
  w.str(m.zone);
  w.map(m.labels.size() + (m.tree_broadcast ? 1 : 0));
  bool tree_written = !m.tree_broadcast;
  for (const auto& [k, v] : m.labels) {  // std::map: sorted, deterministic
    if (!tree_written && kTreeLabel < std::string_view(k)) {
      w.str(kTreeLabel);
      w.str(kTreeLabelValue);
      tree_written = true;
    }
    w.str(k);
    w.str(v);
  }
  if (!tree_written) {
    w.str(kTreeLabel);
    w.str(kTreeLabelValue);
  }
  w.int64(m.cpu_milli);
  w.int64(m.memory_mib);
  w.str(m.api);
  w.uint(m.algorithm_version);
  w.boolean(m.ready);
  w.boolean(m.schedulable);
}

// Metadata travels as a bin holding its own msgpack encoding.
void write_meta_bin(Writer& w, const Meta& m) {
  Bytes b;
  b.reserve(64 + m.zone.size() + m.api.size());
  Writer mw(b);
  write_meta(mw, m);
  w.bin(b.data(), b.size());
}

struct BodyWriter {
  Writer& w;
  void operator()(const Ping& m) {
    w.array(4);
    w.uint(m.seq);
    w.str(m.target);
    w.str(m.source);
    w.addr(m.source_addr);
  }
  void operator()(const IndirectPing& m) {
    w.array(5);
    w.uint(m.seq);
    w.str(m.target);
    w.addr(m.target_addr);
    w.boolean(m.nack);
    w.str(m.source);
  }
  void operator()(const Ack& m) {
    w.array(1);
    w.uint(m.seq);
  }
  void operator()(const Nack& m) {
    w.array(1);
    w.uint(m.seq);
  }
  void operator()(const Alive& m) {
    w.array(4);
    w.str(m.name);
    w.addr(m.addr);
    w.uint(m.incarnation);
    write_meta_bin(w, m.meta);
  }
  void operator()(const Suspect& m) {
    w.array(3);
    w.str(m.name);
    w.uint(m.incarnation);
    w.str(m.from);
  }
  void operator()(const Dead& m) {
    w.array(3);
    w.str(m.name);
    w.uint(m.incarnation);
    w.str(m.from);
  }
  void operator()(const StateDelta& m) { w.bin(m.batch.data(), m.batch.size()); }
  void operator()(const StateSync& m) { w.bin(m.message.data(), m.message.size()); }
  void operator()(const Tree& m) {
    w.array(4);
    w.uint(static_cast<std::uint8_t>(m.kind));
    w.str(m.from);
    w.array(m.ids.size());
    for (const auto& id : m.ids) {
      w.array(2);
      w.str(id.key);
      w.uint(id.hlc);
    }
    w.bin(m.batch.data(), m.batch.size());
  }
  void operator()(const PushPull& m) {
    w.array(4);
    w.boolean(m.join);
    w.boolean(m.reply);
    w.array(m.members.size());
    for (const auto& r : m.members) {
      w.array(5);
      w.str(r.name);
      w.addr(r.addr);
      w.uint(r.incarnation);
      w.uint(static_cast<std::uint8_t>(r.state));
      write_meta_bin(w, r.meta);
    }
    w.bin(m.state.data(), m.state.size());
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

std::size_t size_hint(const Message& m) {
  if (const auto* s = std::get_if<StateDelta>(&m)) return 16 + s->batch.size();
  if (const auto* s = std::get_if<StateSync>(&m)) return 16 + s->message.size();
  if (const auto* t = std::get_if<Tree>(&m)) return 32 + t->ids.size() * 32 + t->batch.size();
  if (const auto* p = std::get_if<PushPull>(&m)) return 64 + p->members.size() * 128 + p->state.size();
  return 128;
}

// ---- decoding -------------------------------------------------------------------------------
// msgpack_reader.hpp reads; these read the shapes of a packet.

using Reader = MsgpackReader;

bool read_addr(Reader& r, std::string_view& host, std::uint16_t& port) {
  std::uint64_t p = 0;
  if (!r.array_of(2, "address") || !r.str(host, kMaxNameBytes, "host") || !r.uint(p, 65535))
    return false;
  port = static_cast<std::uint16_t>(p);
  return true;
}

bool read_addr(Reader& r, Address& a) {
  std::string_view host;
  if (!read_addr(r, host, a.port)) return false;
  a.host.assign(host);
  return true;
}

// Reads encoded metadata; with `out`, fills it. Duplicate label keys make it malformed. Without
// `out` nothing is allocated unless the keys come unsorted (our encoder sorts them).
bool read_meta(std::span<const std::byte> bytes, Meta* out) {
  if (bytes.size() > kMaxMetaBytes) return false;
  Reader r(bytes);
  std::string_view zone, api;
  std::uint32_t labels;
  if (!r.array_of(8) || !r.str(zone, kMaxMetaBytes) || !r.map(labels)) return false;
  if (out) {
    out->zone.assign(zone);
    out->labels.clear();
    out->tree_broadcast = false;
  }
  const Reader labels_at = r;
  bool sorted = true;
  std::string_view prev;
  for (std::uint32_t i = 0; i < labels; ++i) {
    std::string_view k, v;
    if (!r.str(k, kMaxMetaBytes) || !r.str(v, kMaxMetaBytes)) return false;
    if (out && k == kTreeLabel) {
      if (out->tree_broadcast) return false;  // twice
      out->tree_broadcast = v == kTreeLabelValue;
    } else if (out) {
      if (!out->labels.emplace(std::string(k), std::string(v)).second) return false;
    } else if (i > 0 && !(prev < k)) {
      sorted = false;
    }
    prev = k;
  }
  if (!out && !sorted) {  // the slow way: every key, sorted, no two equal
    Reader again = labels_at;
    std::vector<std::string_view> keys(labels);
    for (auto& k : keys) {
      std::string_view v;
      again.str(k, kMaxMetaBytes);
      again.str(v, kMaxMetaBytes);
    }
    std::sort(keys.begin(), keys.end());
    if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) return false;
  }
  std::int64_t cpu, mem;
  std::uint32_t algorithm;
  bool ready, schedulable;
  if (!r.int64(cpu) || !r.int64(mem) || !r.str(api, kMaxMetaBytes) || !r.u32(algorithm) ||
      !r.boolean(ready) || !r.boolean(schedulable) || !r.done())
    return false;
  if (out) {
    out->cpu_milli = cpu;
    out->memory_mib = mem;
    out->api.assign(api);
    out->algorithm_version = algorithm;
    out->ready = ready;
    out->schedulable = schedulable;
  }
  return true;
}

bool read_meta_bin(Reader& r, std::span<const std::byte>& meta) {
  return r.bin(meta) && read_meta(meta, nullptr);
}

bool read_name(Reader& r, std::string_view& name) {
  return r.str(name, kMaxNameBytes) && !name.empty();
}

// [kind, from, [[key, hlc]...], batch]: a push carries a batch and no ids, the others ids
// (a prune none) and an empty batch.
bool read_tree(Reader& r, PacketView& out) {
  TreeView m;
  std::uint64_t kind;
  std::uint32_t n;
  if (!r.array_of(4) || !r.uint(kind, static_cast<std::uint64_t>(TreeKind::prune)) ||
      !read_name(r, m.from) || !r.array(n))
    return false;
  m.kind = static_cast<TreeKind>(kind);
  m.first = out.tree_ids.size();
  out.tree_ids.reserve(m.first + std::min<std::size_t>(n, r.left() / 4));  // >= 4 bytes an id
  for (std::uint32_t i = 0; i < n; ++i) {
    TreeIdView id;
    if (!r.array_of(2) || !r.str(id.key, kMaxTreeKeyBytes) || id.key.empty() || !r.uint(id.hlc))
      return false;
    out.tree_ids.push_back(id);
  }
  m.count = n;
  if (!r.bin(m.batch)) return false;
  const bool push = m.kind == TreeKind::push;
  if (push != !m.batch.empty() || (push || m.kind == TreeKind::prune) != (n == 0)) return false;
  out.messages.emplace_back(m);
  return true;
}

bool decode_body(Type t, Reader& r, PacketView& out) {
  switch (t) {
    case Type::ping: {
      Ping m;
      if (!r.array_of(4) || !r.u32(m.seq) || !r.str(m.target, kMaxNameBytes) ||
          !r.str(m.source, kMaxNameBytes) || !read_addr(r, m.source_addr))
        return false;
      out.messages.emplace_back(std::move(m));
      return true;
    }
    case Type::indirect_ping: {
      IndirectPing m;
      if (!r.array_of(5) || !r.u32(m.seq) || !r.str(m.target, kMaxNameBytes) ||
          !read_addr(r, m.target_addr) || !r.boolean(m.nack) || !r.str(m.source, kMaxNameBytes))
        return false;
      out.messages.emplace_back(std::move(m));
      return true;
    }
    case Type::ack:
    case Type::nack: {
      std::uint32_t seq;
      if (!r.array_of(1) || !r.u32(seq)) return false;
      if (t == Type::ack) out.messages.emplace_back(Ack{seq});
      else out.messages.emplace_back(Nack{seq});
      return true;
    }
    case Type::alive: {
      AliveView m;
      if (!r.array_of(4) || !read_name(r, m.name) || !read_addr(r, m.host, m.port) ||
          !r.uint(m.incarnation) || !read_meta_bin(r, m.meta))
        return false;
      out.messages.emplace_back(m);
      return true;
    }
    case Type::suspect:
    case Type::dead: {
      std::string_view name, from;
      std::uint64_t inc;
      if (!r.array_of(3) || !read_name(r, name) || !r.uint(inc) || !r.str(from, kMaxNameBytes))
        return false;
      if (t == Type::suspect) out.messages.emplace_back(Suspect{std::string(name), inc, std::string(from)});
      else out.messages.emplace_back(Dead{std::string(name), inc, std::string(from)});
      return true;
    }
    case Type::push_pull: {
      PushPullView m;
      std::uint32_t n;
      if (!r.array_of(4) || !r.boolean(m.join) || !r.boolean(m.reply) || !r.array(n))
        return false;
      // Every record takes at least 16 bytes: reserve no more than the bytes can hold.
      m.first = out.records.size();
      out.records.reserve(m.first + std::min<std::size_t>(n, r.left() / 16));
      for (std::uint32_t i = 0; i < n; ++i) {
        RecordView rec;
        std::uint64_t st;
        if (!r.array_of(5) || !read_name(r, rec.name) || !read_addr(r, rec.host, rec.port) ||
            !r.uint(rec.incarnation) || !r.uint(st, static_cast<std::uint64_t>(MemberState::left)) ||
            !read_meta_bin(r, rec.meta))
          return false;
        rec.state = static_cast<MemberState>(st);
        out.records.push_back(rec);
      }
      m.count = n;
      if (!r.bin(m.state)) return false;
      out.messages.emplace_back(m);
      return true;
    }
    case Type::state: {
      StateDeltaView m;
      if (!r.bin(m.batch) || m.batch.empty()) return false;
      out.messages.emplace_back(m);
      return true;
    }
    case Type::state_sync: {
      StateSyncView m;
      if (!r.bin(m.message) || m.message.empty()) return false;
      out.messages.emplace_back(m);
      return true;
    }
    case Type::tree:
      return read_tree(r, out);
    case Type::compound:
      return false;
  }
  return false;
}

bool is_known_type(std::uint8_t t) { return t >= 1 && t <= 12; }

// type byte + msgpack body, exactly one object filling the rest
bool decode_part(std::span<const std::byte> part, PacketView& out) {
  if (part.size() < 2) return false;
  const auto t = static_cast<std::uint8_t>(part[0]);
  if (!is_known_type(t) || t == static_cast<std::uint8_t>(Type::compound)) return false;
  Reader r(part.subspan(1));
  return decode_body(static_cast<Type>(t), r, out) && r.done();
}

Bytes encode_with(std::initializer_list<std::uint8_t> prefix, const Message& m) {
  Bytes out;
  out.reserve(prefix.size() + size_hint(m));
  for (auto p : prefix) out.push_back(std::byte{p});
  Writer w(out);
  std::visit(BodyWriter{w}, m);
  return out;
}

}  // namespace

Bytes encode_part(const Message& m) {
  return encode_with({static_cast<std::uint8_t>(type_of(m))}, m);
}

Bytes encode(const Message& m) {
  return encode_with({kProtocolVersion, static_cast<std::uint8_t>(type_of(m))}, m);
}

Bytes encode_compound(const std::vector<Bytes>& parts) {
  const std::size_t n = std::min(parts.size(), kMaxCompoundParts);
  std::size_t size = kCompoundHeader;
  for (std::size_t i = 0; i < n; ++i) size += compound_overhead(parts[i].size());
  Bytes out;
  out.reserve(size);
  out.push_back(std::byte{kProtocolVersion});
  out.push_back(std::byte{static_cast<std::uint8_t>(Type::compound)});
  Writer w(out);
  w.array(n);
  for (std::size_t i = 0; i < n; ++i) w.bin(parts[i].data(), parts[i].size());
  return out;
}

// The parts are written after kRoom bytes left for the header; finish() writes the header
// just before them and drops the unused front: one buffer, no second copy of the parts.
namespace {
constexpr std::size_t kRoom = 5;  // version, type, array header of up to 3 bytes
}  // namespace

void PacketBuilder::add(std::span<const std::byte> part) {
  if (count_ >= kMaxCompoundParts) return;
  if (count_ == 0) {
    body_.clear();
    body_.reserve(1500);  // a datagram's worth
    body_.resize(kRoom);
  }
  const std::size_t before = body_.size();
  Writer w(body_);
  w.bin(part.data(), part.size());
  if (count_++ == 0) first_header_ = body_.size() - before - part.size();
}

Bytes PacketBuilder::finish() {
  Bytes out;
  if (count_ == 0) return out;
  out.swap(body_);
  std::size_t start;
  if (count_ == 1) {  // version + the part, without its bin header
    start = kRoom + first_header_ - 1;
    out[start] = std::byte{kProtocolVersion};
  } else {
    // count_ <= kMaxCompoundParts: a fixarray or an array16 header, as Writer::array writes.
    start = count_ < 16 ? 2 : 0;
    out[start] = std::byte{kProtocolVersion};
    out[start + 1] = std::byte{static_cast<std::uint8_t>(Type::compound)};
    if (count_ < 16) {
      out[4] = std::byte{static_cast<std::uint8_t>(0x90 | count_)};
    } else {
      out[2] = std::byte{0xdc};
      out[3] = std::byte{static_cast<std::uint8_t>(count_ >> 8)};
      out[4] = std::byte{static_cast<std::uint8_t>(count_ & 0xff)};
    }
  }
  out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(start));
  count_ = 0;
  return out;
}

std::size_t compound_overhead(std::size_t part_size) {
  return part_size + (part_size < 256 ? 2 : part_size < 65536 ? 3 : 5);
}

Bytes encode_push_pull(bool join, bool reply, std::span<const MemberRef> members,
                       std::span<const std::byte> state) {
  // Sized for the worst case of every header, written in place, then trimmed.
  using W = BasicWriter<PlaceAt>;
  constexpr std::size_t kRecordHeaders = 8 * W::kMaxHeader;  // 8 headers and values
  std::size_t size = 2 + 5 * W::kMaxHeader + state.size();
  for (const auto& r : members)
    size += kRecordHeaders + r.name->size() + r.addr->host.size() + r.meta.size();
  Bytes out(size);
  W w(PlaceAt{out.data()});
  w.byte(kProtocolVersion);
  w.byte(static_cast<std::uint8_t>(Type::push_pull));
  w.array(4);
  w.boolean(join);
  w.boolean(reply);
  w.array(members.size());
  for (const auto& r : members) {
    w.array(5);
    w.str(*r.name);
    w.addr(*r.addr);
    w.uint(r.incarnation);
    w.uint(static_cast<std::uint8_t>(r.state));
    w.bin(r.meta.data(), r.meta.size());
  }
  w.bin(state.data(), state.size());
  out.resize(static_cast<std::size_t>(w.sink().at - out.data()));
  return out;
}

void append_alive_part(std::string_view name, const Address& addr, std::uint64_t incarnation,
                       std::string_view meta, Bytes& out) {
  out.reserve(out.size() + 32 + name.size() + addr.host.size() + meta.size());
  Writer w(out);
  w.byte(static_cast<std::uint8_t>(Type::alive));
  w.array(4);
  w.str(name);
  w.addr(addr);
  w.uint(incarnation);
  w.bin(meta.data(), meta.size());
}

std::size_t meta_size(const Meta& m) { return encode_meta(m).size(); }

Bytes encode_meta(const Meta& m) {
  Bytes b;
  b.reserve(64 + m.zone.size() + m.api.size());
  Writer w(b);
  write_meta(w, m);
  return b;
}

bool decode_meta(std::span<const std::byte> bytes, Meta& out) { return read_meta(bytes, &out); }

bool decode_view(std::span<const std::byte> packet, PacketView& out) {
  out.messages.clear();
  out.records.clear();
  out.tree_ids.clear();
  if (packet.size() < 3) return false;
  if (static_cast<std::uint8_t>(packet[0]) != kProtocolVersion) return false;
  const auto t = static_cast<std::uint8_t>(packet[1]);
  bool ok = false;
  if (t == static_cast<std::uint8_t>(Type::compound)) {
    Reader r(packet.subspan(2));
    std::uint32_t n;
    ok = r.array(n) && n >= 1 && n <= kMaxCompoundParts;
    if (ok) out.messages.reserve(n);
    for (std::uint32_t i = 0; ok && i < n; ++i) {
      std::span<const std::byte> part;
      ok = r.bin(part) && decode_part(part, out);
    }
    ok = ok && r.done();
  } else {
    ok = decode_part(packet.subspan(1), out);
  }
  if (!ok) {
    out.messages.clear();
    out.records.clear();
    out.tree_ids.clear();
  }
  return ok;
}

bool decode(std::span<const std::byte> packet, std::vector<Message>& out) {
  out.clear();
  PacketView view;
  if (!decode_view(packet, view)) return false;
  auto record = [](const RecordView& r) {
    MemberRecord m;
    m.name.assign(r.name);
    m.addr = Address{std::string(r.host), r.port};
    m.incarnation = r.incarnation;
    m.state = r.state;
    m.meta_bytes = r.meta.size();
    return m;
  };
  bool ok = true;
  for (auto& mv : view.messages) {
    std::visit(
        [&](auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, AliveView>) {
            Alive a;
            a.name.assign(v.name);
            a.addr = Address{std::string(v.host), v.port};
            a.incarnation = v.incarnation;
            a.meta_bytes = v.meta.size();
            ok = ok && decode_meta(v.meta, a.meta);
            out.emplace_back(std::move(a));
          } else if constexpr (std::is_same_v<T, PushPullView>) {
            PushPull p;
            p.join = v.join;
            p.reply = v.reply;
            p.state.assign(v.state.begin(), v.state.end());
            p.members.reserve(v.count);
            for (std::size_t i = 0; i < v.count; ++i) {
              const RecordView& r = view.records[v.first + i];
              p.members.push_back(record(r));
              ok = ok && decode_meta(r.meta, p.members.back().meta);
            }
            out.emplace_back(std::move(p));
          } else if constexpr (std::is_same_v<T, StateDeltaView>) {
            out.emplace_back(StateDelta{Bytes(v.batch.begin(), v.batch.end())});
          } else if constexpr (std::is_same_v<T, StateSyncView>) {
            out.emplace_back(StateSync{Bytes(v.message.begin(), v.message.end())});
          } else if constexpr (std::is_same_v<T, TreeView>) {
            Tree t{v.kind, std::string(v.from), {}, Bytes(v.batch.begin(), v.batch.end())};
            for (std::size_t i = 0; i < v.count; ++i) {
              const TreeIdView& id = view.tree_ids[v.first + i];
              t.ids.push_back(TreeId{std::string(id.key), id.hlc});
            }
            out.emplace_back(std::move(t));
          } else {
            out.emplace_back(std::move(v));
          }
        },
        mv);
  }
  if (!ok) out.clear();  // cannot happen: decode_view validated the metadata
  return ok;
}

}  // namespace shoal::gossip::wire
