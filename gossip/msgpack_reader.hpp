// The one msgpack reader of gossip/: packets (wire.cpp), push-pulls, deltas and snapshots
// (store_codec.cpp). Every read checks the type byte and that the bytes it claims are there,
// then moves past them; strings and bins are views into the input, nothing is allocated. It
// accepts every encoding msgpack-c's unpacker accepts for the type asked for (an integer in any
// width, signed forms included) and nothing else. A declared array or map length larger than the
// bytes left fails at once, and at_most() sizes reservations by the bytes left, so a small input
// never causes a large allocation. The first failure is kept (what, at which byte) for callers
// that report it; the message is built only when asked for, so rejecting garbage stays cheap.
//
// Hand-written rather than msgpack-c's visitor parse: docs/benchmarks.md ("The msgpack reader")
// measures both on the same push-pull bytes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace shoal::gossip {

class MsgpackReader {
 public:
  explicit MsgpackReader(std::span<const std::byte> bytes)
      : begin_(reinterpret_cast<const std::uint8_t*>(bytes.data())),
        p_(begin_),
        end_(begin_ + bytes.size()) {}

  bool done() const { return p_ == end_; }
  std::size_t left() const { return static_cast<std::size_t>(end_ - p_); }
  std::size_t offset() const { return static_cast<std::size_t>(p_ - begin_); }

  // Records the first failure (later ones are consequences) and returns false.
  bool fail(const char* what, const char* detail = "") {
    if (what_ == nullptr) {
      what_ = what;
      detail_ = detail;
      at_ = offset();
    }
    return false;
  }
  // "<what><detail> at byte <offset>", or empty when nothing failed.
  std::string error() const {
    if (what_ == nullptr) return {};
    return std::string(what_) + detail_ + " at byte " + std::to_string(at_);
  }
  bool finish() { return done() || fail("trailing bytes"); }

  bool array(std::uint32_t& n) {
    std::uint8_t t = 0;
    if (!head(t)) return false;
    if ((t & 0xf0) == 0x90) n = t & 0x0f;
    else if (t == 0xdc) { if (!len(2, n)) return false; }
    else if (t == 0xdd) { if (!len(4, n)) return false; }
    else return fail("expected an array");
    if (n > left()) return fail("array longer than the input");  // an element takes a byte
    return true;
  }
  bool array_of(std::uint32_t want, const char* what = "array") {
    std::uint32_t n = 0;
    if (!array(n)) return false;
    return n == want || fail("wrong field count in ", what);
  }
  bool map(std::uint32_t& n) {
    std::uint8_t t = 0;
    if (!head(t)) return false;
    if ((t & 0xf0) == 0x80) n = t & 0x0f;
    else if (t == 0xde) { if (!len(2, n)) return false; }
    else if (t == 0xdf) { if (!len(4, n)) return false; }
    else return fail("expected a map");
    if (n > left() / 2) return fail("map longer than the input");  // a pair takes two bytes
    return true;
  }
  // How many of `n` announced items to reserve room for: no more than the bytes left could
  // hold at `min_bytes` an item.
  std::size_t at_most(std::uint32_t n, std::size_t min_bytes) const {
    return std::min<std::size_t>(n, left() / min_bytes);
  }

  // Any integer; `negative` when msgpack-c would call it a NEGATIVE_INTEGER (then `v` holds
  // the two's complement bits of the value).
  bool integer(std::uint64_t& v, bool& negative) {
    std::uint8_t t = 0;
    if (!head(t)) return false;
    negative = false;
    if (t <= 0x7f) [[likely]] {
      v = t;
      return true;
    }
    return wide_integer(t, v, negative);
  }
  bool uint(std::uint64_t& v) {
    bool negative = false;
    if (!integer(v, negative)) return false;
    return !negative || fail("expected an unsigned integer");
  }
  bool uint(std::uint64_t& v, std::uint64_t max) {
    return uint(v) && (v <= max || fail("integer out of range"));
  }
  bool u32(std::uint32_t& v) {
    std::uint64_t x = 0;
    if (!uint(x, UINT32_MAX)) return false;
    v = static_cast<std::uint32_t>(x);
    return true;
  }
  bool int64(std::int64_t& v) {
    std::uint64_t u = 0;
    bool negative = false;
    if (!integer(u, negative)) return false;
    if (!negative && u > static_cast<std::uint64_t>(INT64_MAX)) return fail("integer out of range");
    v = static_cast<std::int64_t>(u);
    return true;
  }
  bool boolean(bool& v) {
    std::uint8_t t = 0;
    if (!head(t)) return false;
    if (t != 0xc2 && t != 0xc3) return fail("expected a boolean");
    v = t == 0xc3;
    return true;
  }

  // A string of at most `max` bytes, as a view into the input; `what` names it in the error.
  bool str(std::string_view& v, std::size_t max, const char* what = "string") {
    std::uint8_t t = 0;
    if (!head(t)) return false;
    std::uint32_t n = 0;
    if ((t & 0xe0) == 0xa0) n = t & 0x1f;
    else if (t == 0xd9) { if (!len(1, n)) return false; }
    else if (t == 0xda) { if (!len(2, n)) return false; }
    else if (t == 0xdb) { if (!len(4, n)) return false; }
    else return fail("expected a string for ", what);
    if (n > max) return fail("too long: ", what);
    if (n > left()) return fail("truncated ", what);
    v = std::string_view(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return true;
  }
  bool str(std::string& v, std::size_t max, const char* what = "string") {
    std::string_view s;
    if (!str(s, max, what)) return false;
    v.assign(s);
    return true;
  }
  // A bin of at most `max` bytes, as a view into the input.
  bool bin(std::span<const std::byte>& v, std::size_t max = SIZE_MAX, const char* what = "value") {
    std::uint8_t t = 0;
    if (!head(t)) return false;
    std::uint32_t n = 0;
    if (t == 0xc4) { if (!len(1, n)) return false; }
    else if (t == 0xc5) { if (!len(2, n)) return false; }
    else if (t == 0xc6) { if (!len(4, n)) return false; }
    else return fail("expected binary for ", what);
    if (n > max) return fail("too long: ", what);
    if (n > left()) return fail("truncated ", what);
    v = std::span<const std::byte>(reinterpret_cast<const std::byte*>(p_), n);
    p_ += n;
    return true;
  }

 private:
  bool wide_integer(std::uint8_t t, std::uint64_t& v, bool& negative) {
    if (t >= 0xe0) {  // negative fixint
      v = static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int8_t>(t)));
      negative = true;
      return true;
    }
    if (t >= 0xcc && t <= 0xcf) return be(1u << (t - 0xcc), v);
    if (t < 0xd0 || t > 0xd3) return fail("expected an integer");
    const unsigned n = 1u << (t - 0xd0);
    std::uint64_t u = 0;
    if (!be(n, u)) return false;
    if (n < 8) {  // sign-extend
      const std::uint64_t sign = 1ull << (8 * n - 1);
      if (u & sign) u |= ~((sign << 1) - 1);
    }
    v = u;
    negative = static_cast<std::int64_t>(u) < 0;
    return true;
  }
  bool head(std::uint8_t& t) {
    if (p_ == end_) return fail("truncated input");
    t = *p_++;
    return true;
  }
  bool be(unsigned n, std::uint64_t& v) {
    if (left() < n) return fail("truncated integer");
    v = 0;
    for (unsigned i = 0; i < n; ++i) v = (v << 8) | p_[i];
    p_ += n;
    return true;
  }
  bool len(unsigned n, std::uint32_t& v) {
    std::uint64_t x = 0;
    if (!be(n, x)) return false;
    v = static_cast<std::uint32_t>(x);
    return true;
  }

  const std::uint8_t* begin_;
  const std::uint8_t* p_;
  const std::uint8_t* end_;
  const char* what_ = nullptr;
  const char* detail_ = "";
  std::size_t at_ = 0;
};

}  // namespace shoal::gossip
