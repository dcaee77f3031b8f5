// gossip's msgpack reader and writer side by side with msgpack-c's on the same bytes: a
// push-pull of N status entries (key, hlc, origin, deleted, 200-byte value) with its digest.
// Read: our reader into views; msgpack-c's visitor parse into the same views; msgpack-c's
// unpack into objects (strings referring to the input), walked. Write: msgpack-c's packer on
// our sink, directly and through MsgpackWriter; a writer by hand.
// Each is run REPS times, the median printed. Usage: msgpack_bench [N] [REPS]
#include <msgpack.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "gossip/msgpack_reader.hpp"
#include "gossip/msgpack_writer.hpp"
#include "gossip/store.hpp"
#include "gossip/store_codec.hpp"

using namespace shoal::gossip;
using store_codec::DigestView;
using store_codec::EntryView;

namespace {

PushPull make_push_pull(std::size_t n) {
  PushPull msg;
  msg.kind = PushPull::Kind::response;
  for (std::size_t i = 0; i < n; ++i) {
    char peer[32];
    std::snprintf(peer, sizeof peer, "peer-%05zu", i);
    Entry e{std::string("status/") + peer, Version{(1700000000000ull << 16) + i, peer}, false,
            Bytes(200, std::byte{'x'})};
    msg.digest.items.push_back(DigestItem{e.key, e.version});
    msg.entries.push_back(std::move(e));
  }
  return msg;
}

// ---- writers ----

// The alternative to msgpack-c's packer: a writer by hand, the same shortest forms.
class HandWriter {
 public:
  explicit HandWriter(Bytes& out) : out_(out) {}
  void byte(std::uint8_t b) { out_.push_back(std::byte{b}); }
  void be(std::uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) byte(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void raw(const void* p, std::size_t n) {
    if (n == 0) return;
    const auto* b = static_cast<const std::byte*>(p);
    out_.insert(out_.end(), b, b + n);
  }
  void uint(std::uint64_t v) {
    if (v < 0x80) byte(static_cast<std::uint8_t>(v));
    else if (v < 0x100) { byte(0xcc); be(v, 1); }
    else if (v < 0x10000) { byte(0xcd); be(v, 2); }
    else if (v < 0x100000000ull) { byte(0xce); be(v, 4); }
    else { byte(0xcf); be(v, 8); }
  }
  void int64(std::int64_t d) {
    if (d < -(1LL << 5)) {
      const auto u = static_cast<std::uint64_t>(d);
      if (d < -(1LL << 15)) {
        if (d < -(1LL << 31)) { byte(0xd3); be(u, 8); }
        else { byte(0xd2); be(u, 4); }
      } else if (d < -(1LL << 7)) { byte(0xd1); be(u, 2); }
      else { byte(0xd0); be(u, 1); }
    } else if (d < 0) {
      byte(static_cast<std::uint8_t>(d));  // negative fixint
    } else {
      uint(static_cast<std::uint64_t>(d));
    }
  }
  void boolean(bool b) { byte(b ? 0xc3 : 0xc2); }
  void array(std::size_t n) {
    if (n < 16) byte(static_cast<std::uint8_t>(0x90 | n));
    else if (n < 0x10000) { byte(0xdc); be(n, 2); }
    else { byte(0xdd); be(n, 4); }
  }
  void map(std::size_t n) {
    if (n < 16) byte(static_cast<std::uint8_t>(0x80 | n));
    else if (n < 0x10000) { byte(0xde); be(n, 2); }
    else { byte(0xdf); be(n, 4); }
  }
  void str(std::string_view s) {
    const std::size_t n = s.size();
    if (n < 32) byte(static_cast<std::uint8_t>(0xa0 | n));
    else if (n < 0x100) { byte(0xd9); be(n, 1); }
    else if (n < 0x10000) { byte(0xda); be(n, 2); }
    else { byte(0xdb); be(n, 4); }
    raw(s.data(), n);
  }
  void bin(const void* p, std::size_t n) {
    if (n < 0x100) { byte(0xc4); be(n, 1); }
    else if (n < 0x10000) { byte(0xc5); be(n, 2); }
    else { byte(0xc6); be(n, 4); }
    raw(p, n);
  }
 private:
  Bytes& out_;
};

template <typename Writer>
void write_push_pull(Writer& w, const PushPull& msg) {
  w.array(4);
  w.uint(static_cast<std::uint8_t>(msg.kind));
  w.boolean(msg.holding_back);
  w.array(msg.digest.items.size());
  for (const auto& it : msg.digest.items) {
    w.array(3);
    w.str(it.key);
    w.uint(it.version.hlc);
    w.str(it.version.origin);
  }
  w.array(msg.entries.size());
  for (const auto& e : msg.entries) {
    w.array(5);
    w.str(e.key);
    w.uint(e.version.hlc);
    w.str(e.version.origin);
    w.boolean(e.deleted);
    w.bin(e.value.data(), e.value.size());
  }
}

Bytes write_hand(const PushPull& msg) {
  Bytes out;
  HandWriter w(out);
  write_push_pull(w, msg);
  return out;
}

Bytes write_ours(const PushPull& msg) {
  Bytes out;
  MsgpackWriter<AppendTo> w(AppendTo{&out});
  write_push_pull(w, msg);
  return out;
}

Bytes write_packer(const PushPull& msg) { return encode_push_pull(msg); }

// ---- readers ----

struct Views {
  std::vector<DigestView> digest;
  std::vector<EntryView> entries;
};

bool read_ours(ByteView bytes, Views& v) {
  MsgpackReader r(bytes);
  std::uint64_t kind = 0;
  bool holding_back = false;
  return r.array_of(4, "push-pull") && r.uint(kind) && r.boolean(holding_back) &&
         store_codec::read_digest_views(r, v.digest) &&
         store_codec::read_entry_views(r, v.entries) && r.finish();
}

// The same shape checks as read_ours, driven by msgpack-c's parser.
struct ViewVisitor : msgpack::null_visitor {
  Views& v;
  int depth = 0;
  std::uint32_t top_item = 0;  // which of the 4 fields
  std::uint32_t field = 0;     // within a digest item or an entry
  bool ok = true;
  explicit ViewVisitor(Views& views) : v(views) {}

  bool fail() { return ok = false; }
  bool start_array(std::uint32_t n) {
    ++depth;
    if (depth == 1) return n == 4 || fail();
    if (depth == 2) {
      if (top_item == 2) v.digest.reserve(n);
      else if (top_item == 3) v.entries.reserve(n);
      else return fail();
      return true;
    }
    if (depth == 3) {
      field = 0;
      if (top_item == 2) { v.digest.emplace_back(); return n == 3 || fail(); }
      v.entries.emplace_back();
      return n == 5 || fail();
    }
    return fail();
  }
  bool end_array() {
    --depth;
    return true;
  }
  bool end_array_item() {
    if (depth == 1) ++top_item;
    else if (depth == 3) ++field;
    return true;
  }
  bool visit_positive_integer(std::uint64_t x) {
    if (depth == 1) return (top_item == 0 && x <= 2) || fail();
    if (depth == 3 && field == 1) {
      (top_item == 2 ? v.digest.back().hlc : v.entries.back().hlc) = x;
      return true;
    }
    return fail();
  }
  bool visit_boolean(bool b) {
    if (depth == 1) return top_item == 1 || fail();
    if (depth == 3 && top_item == 3 && field == 3) {
      v.entries.back().deleted = b;
      return true;
    }
    return fail();
  }
  bool visit_str(const char* p, std::uint32_t n) {
    if (depth != 3 || (field != 0 && field != 2)) return fail();
    const std::string_view s(p, n);
    if (field == 0 && (n > kMaxKeyBytes || (top_item == 3 && n == 0))) return fail();
    if (field == 2 && (n > kMaxOriginBytes || (top_item == 3 && n == 0))) return fail();
    if (top_item == 2) (field == 0 ? v.digest.back().key : v.digest.back().origin) = s;
    else (field == 0 ? v.entries.back().key : v.entries.back().origin) = s;
    return true;
  }
  bool visit_bin(const char* p, std::uint32_t n) {
    if (depth != 3 || top_item != 3 || field != 4 || n > kMaxValueBytes) return fail();
    v.entries.back().value = ByteView(reinterpret_cast<const std::byte*>(p), n);
    return true;
  }
  bool visit_negative_integer(std::int64_t) { return fail(); }
  bool visit_nil() { return fail(); }
  bool visit_float32(float) { return fail(); }
  bool visit_float64(double) { return fail(); }
  bool visit_ext(const char*, std::uint32_t) { return fail(); }
  bool start_map(std::uint32_t) { return fail(); }
};

bool read_visitor(ByteView bytes, Views& v) {
  ViewVisitor vis(v);
  std::size_t off = 0;
  const bool parsed =
      msgpack::parse(reinterpret_cast<const char*>(bytes.data()), bytes.size(), off, vis);
  return parsed && vis.ok && off == bytes.size();
}

bool read_unpack(ByteView bytes, Views& v) {
  // Strings and bins refer to the input (no copies), as in the other readers.
  const auto refer = [](msgpack::type::object_type, std::size_t, void*) { return true; };
  msgpack::object_handle oh =
      msgpack::unpack(reinterpret_cast<const char*>(bytes.data()), bytes.size(), refer);
  const msgpack::object& o = oh.get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size != 4) return false;
  const auto& d = o.via.array.ptr[2];
  const auto& e = o.via.array.ptr[3];
  if (d.type != msgpack::type::ARRAY || e.type != msgpack::type::ARRAY) return false;
  v.digest.reserve(d.via.array.size);
  for (std::uint32_t i = 0; i < d.via.array.size; ++i) {
    const auto& it = d.via.array.ptr[i];
    if (it.type != msgpack::type::ARRAY || it.via.array.size != 3) return false;
    const auto* f = it.via.array.ptr;
    if (f[0].type != msgpack::type::STR || f[1].type != msgpack::type::POSITIVE_INTEGER ||
        f[2].type != msgpack::type::STR)
      return false;
    v.digest.push_back({{f[0].via.str.ptr, f[0].via.str.size}, f[1].via.u64,
                        {f[2].via.str.ptr, f[2].via.str.size}});
  }
  v.entries.reserve(e.via.array.size);
  for (std::uint32_t i = 0; i < e.via.array.size; ++i) {
    const auto& it = e.via.array.ptr[i];
    if (it.type != msgpack::type::ARRAY || it.via.array.size != 5) return false;
    const auto* f = it.via.array.ptr;
    if (f[0].type != msgpack::type::STR || f[1].type != msgpack::type::POSITIVE_INTEGER ||
        f[2].type != msgpack::type::STR || f[3].type != msgpack::type::BOOLEAN ||
        f[4].type != msgpack::type::BIN)
      return false;
    EntryView ev;
    ev.key = {f[0].via.str.ptr, f[0].via.str.size};
    ev.hlc = f[1].via.u64;
    ev.origin = {f[2].via.str.ptr, f[2].via.str.size};
    ev.deleted = f[3].via.boolean;
    ev.value = ByteView(reinterpret_cast<const std::byte*>(f[4].via.bin.ptr), f[4].via.bin.size);
    v.entries.push_back(ev);
  }
  return true;
}

template <typename F>
double median_us(int reps, F&& f) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto a = std::chrono::steady_clock::now();
    f();
    const auto b = std::chrono::steady_clock::now();
    t.push_back(std::chrono::duration<double, std::micro>(b - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

bool same(const Views& a, const Views& b) {
  if (a.digest.size() != b.digest.size() || a.entries.size() != b.entries.size()) return false;
  for (std::size_t i = 0; i < a.entries.size(); ++i) {
    const auto &x = a.entries[i], &y = b.entries[i];
    if (x.key != y.key || x.hlc != y.hlc || x.origin != y.origin || x.deleted != y.deleted ||
        !std::equal(x.value.begin(), x.value.end(), y.value.begin(), y.value.end()))
      return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 10000;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 51;
  const PushPull msg = make_push_pull(n);
  const Bytes bytes = write_packer(msg);
  if (write_ours(msg) != bytes || write_hand(msg) != bytes) {
    std::fprintf(stderr, "msgpack_bench: the writers' bytes differ\n");
    return 1;
  }
  Views ours, visitor, unpacked;
  const bool read[3] = {read_ours(bytes, ours), read_visitor(bytes, visitor),
                        read_unpack(bytes, unpacked)};
  if (!read[0] || !read[1] || !read[2] || !same(ours, visitor) || !same(ours, unpacked)) {
    std::fprintf(stderr, "msgpack_bench: the readers disagree (read %d %d %d, same %d %d)\n",
                 read[0], read[1], read[2], same(ours, visitor), same(ours, unpacked));
    return 1;
  }
  std::size_t sink = 0;
  auto row = [&](const char* what, double us) {
    std::printf("| %s | %.0f | %.1f | %.0f |\n", what, us, us * 1000 / static_cast<double>(n),
                static_cast<double>(bytes.size()) / us);
  };
  std::printf("push-pull of %zu entries, %zu bytes; median of %d runs\n\n", n, bytes.size(), reps);
  std::printf("| what | us | ns per entry | MB/s |\n|---|---|---|---|\n");
  row("read: gossip's reader (views)", median_us(reps, [&] {
        Views v;
        sink += read_ours(bytes, v) ? v.entries.size() : 0;
      }));
  row("read: msgpack-c visitor parse (views)", median_us(reps, [&] {
        Views v;
        sink += read_visitor(bytes, v) ? v.entries.size() : 0;
      }));
  row("read: msgpack-c unpack (objects), walked", median_us(reps, [&] {
        Views v;
        sink += read_unpack(bytes, v) ? v.entries.size() : 0;
      }));
  row("write: by hand", median_us(reps, [&] { sink += write_hand(msg).size(); }));
  row("write: MsgpackWriter (packer)", median_us(reps, [&] { sink += write_ours(msg).size(); }));
  row("write: msgpack-c packer (store_codec)", median_us(reps, [&] { sink += write_packer(msg).size(); }));
  return sink == 0 ? 1 : 0;
}
