#include "placement/hash.hpp"

#include <sodium.h>

#include <array>
#include <bit>
#include <string>

namespace shoal::placement {
namespace {

// The fixed SipHash key of placement version 1 (exactly crypto_shorthash_KEYBYTES = 16 bytes).
constexpr unsigned char kHashKey[crypto_shorthash_KEYBYTES] = {'s', 'h', 'o', 'a', 'l', '-', 'p',
                                                               'l', 'a', 'c', 'e', '-', 'v', '1',
                                                               '.', '0'};

// log2(1 + i/1024) in Q32, for i in [0, 1024], computed by the bit-by-bit squaring method
// on Q62 fixed point: exact integer arithmetic, identical on every compiler.
constexpr std::uint64_t log2_q32_of_q62(Key y) {  // y in [1, 2) as Q62
  const Key two = Key{1} << 63;
  std::uint64_t result = 0;
  for (int bit = 31; bit >= 0; --bit) {
    y = (y * y) >> 62;
    if (y >= two) {
      y >>= 1;
      result |= std::uint64_t{1} << bit;
    }
  }
  return result;
}

constexpr std::array<std::uint64_t, 1025> make_table() {
  std::array<std::uint64_t, 1025> t{};
  for (int i = 0; i < 1024; ++i) {
    Key y = (Key{1} << 62) + ((Key{static_cast<std::uint64_t>(i)} << 62) >> 10);
    t[i] = log2_q32_of_q62(y);
  }
  t[1024] = std::uint64_t{1} << 32;
  return t;
}

constexpr std::array<std::uint64_t, 1025> kLog2Table = make_table();
static_assert(kLog2Table[0] == 0);
static_assert(kLog2Table[512] >= 2512394808ULL && kLog2Table[512] <= 2512394810ULL);  // log2(1.5)*2^32

std::uint64_t hash_string(const std::string& s) {
  unsigned char out[crypto_shorthash_BYTES];
  crypto_shorthash(out, reinterpret_cast<const unsigned char*>(s.data()), s.size(), kHashKey);
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | out[i];  // little-endian
  return v;
}

}  // namespace

std::uint64_t stable_hash(std::string_view bytes) { return hash_string(std::string(bytes)); }

std::uint64_t peer_hash(std::string_view peer_name) {
  std::string s = "p:";
  s.append(peer_name);
  return hash_string(s);
}

std::uint64_t instance_hash(std::string_view service, std::uint32_t index) {
  std::string s = "i:";
  s.append(service);
  s.push_back('/');
  s.append(std::to_string(index));
  return hash_string(s);
}

std::uint64_t zone_hash(std::string_view service, std::string_view zone) {
  std::string s = "z:";
  s.append(service);
  s.push_back('/');
  s.append(zone);
  return hash_string(s);
}

std::uint64_t neg_log2_q32(std::uint64_t x) {
  x |= 1;
  const int lz = std::countl_zero(x);
  const std::uint64_t exponent = 63 - static_cast<std::uint64_t>(lz);
  const std::uint64_t m = x << lz;  // top bit set
  const std::uint64_t idx = (m >> 53) & 1023;
  const std::uint64_t frac = (m >> 31) & ((std::uint64_t{1} << 22) - 1);
  const std::uint64_t lo = kLog2Table[idx];
  const std::uint64_t hi = kLog2Table[idx + 1];
  const std::uint64_t lg = (exponent << 32) + lo + (((hi - lo) * frac) >> 22);
  return (std::uint64_t{64} << 32) - lg;
}

std::uint64_t inverse_weight(std::uint64_t weight) {
  return weight == 0 ? ~std::uint64_t{0} : ~std::uint64_t{0} / weight;
}

std::uint64_t min_draw_for_key(Key bound, std::uint64_t inv_weight) {
  const std::uint64_t top = ~std::uint64_t{0};
  if (inv_weight == 0) return 0;  // every key is 0
  // key(x) = n(x) * inv_weight <= bound  <=>  n(x) <= floor(bound / inv_weight), n integer.
  const Key most = bound / inv_weight;
  if (most >= (Key{1} << 64)) return 0;
  const std::uint64_t limit = static_cast<std::uint64_t>(most);
  if (neg_log2_q32(top) > limit) return top;
  // Binary search over draws: n is non-increasing in the draw.
  std::uint64_t lo = 0, hi = top;  // n(hi) <= limit
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    if (neg_log2_q32(mid) <= limit) hi = mid; else lo = mid + 1;
  }
  return lo;
}

std::uint64_t isqrt(std::uint64_t v) {
  std::uint64_t r = 0;
  for (std::uint64_t bit = std::uint64_t{1} << 62; bit != 0; bit >>= 2) {
    if (v >= r + bit) {
      v -= r + bit;
      r = (r >> 1) + bit;
    } else {
      r >>= 1;
    }
  }
  return r;
}

}  // namespace shoal::placement
