// The one msgpack writer of gossip/: msgpack-c's packer over a sink of ours, with the few
// shapes gossip writes named. Headers are the shortest forms (tests/gossip/wire_bytes_test.cpp
// holds the packet bytes); docs/benchmarks.md ("msgpack reader and writer") measured the packer
// as fast as a hand-written writer, so there is none.
#pragma once

#include <msgpack/pack.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "gossip/bytes.hpp"

namespace shoal::gossip {

// Where a writer's bytes go: appended to Bytes (AppendTo), or placed into memory the caller
// sized for the worst case (PlaceAt: no capacity check per write, for the large push-pull).
// Both take n == 0 with p == nullptr (msgpack-c's packer writes an empty bin's body so): no
// memcpy then, whose pointers must never be null.
struct AppendTo {
  Bytes* out;
  void write(const char* p, std::size_t n) {
    if (n == 0) return;
    const std::size_t at = out->size();
    out->resize(at + n);
    std::memcpy(out->data() + at, p, n);
  }
};
struct PlaceAt {
  std::byte* at;
  void write(const char* p, std::size_t n) {
    if (n == 0) return;
    std::memcpy(at, p, n);
    at += n;
  }
};

template <typename Sink>
class MsgpackWriter {
 public:
  explicit MsgpackWriter(Sink sink) : sink_(sink), pk_(sink_) {}
  MsgpackWriter(const MsgpackWriter&) = delete;
  MsgpackWriter& operator=(const MsgpackWriter&) = delete;

  const Sink& sink() const { return sink_; }
  // At most how many bytes one header (str, bin, array, map, uint) takes.
  static constexpr std::size_t kMaxHeader = 9;

  // A byte as is (outside msgpack: a packet's version and type bytes).
  void byte(std::uint8_t b) {
    const char c = static_cast<char>(b);
    sink_.write(&c, 1);
  }
  void uint(std::uint64_t v) { pk_.pack_uint64(v); }
  void int64(std::int64_t v) { pk_.pack_int64(v); }
  void boolean(bool b) { b ? pk_.pack_true() : pk_.pack_false(); }
  void array(std::size_t n) { pk_.pack_array(static_cast<std::uint32_t>(n)); }
  void map(std::size_t n) { pk_.pack_map(static_cast<std::uint32_t>(n)); }
  void str(std::string_view s) {
    const auto n = static_cast<std::uint32_t>(s.size());
    pk_.pack_str(n);
    if (n > 0) pk_.pack_str_body(s.data(), n);
  }
  void bin(const void* p, std::size_t size) {
    const auto n = static_cast<std::uint32_t>(size);
    pk_.pack_bin(n);
    if (n > 0) pk_.pack_bin_body(static_cast<const char*>(p), n);
  }

 private:
  Sink sink_;
  msgpack::packer<Sink> pk_;
};

}  // namespace shoal::gossip
