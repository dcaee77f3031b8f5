// Helpers shared by the store tests: a seeded PRNG (splitmix64) and small builders.
#pragma once

#include <cstdint>
#include <string>

#include "gossip/splitmix64.hpp"
#include "gossip/bytes.hpp"
#include "gossip/store.hpp"

namespace store_test {

class TestRng {
 public:
  explicit TestRng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() { return shoal::gossip::splitmix64(s_); }
  // Uniform in [0, n) (n > 0); the tiny modulo bias is irrelevant for tests.
  std::uint64_t below(std::uint64_t n) { return next() % n; }
  bool chance(int percent) { return below(100) < static_cast<std::uint64_t>(percent); }

 private:
  std::uint64_t s_;
};

inline shoal::gossip::Bytes bytes_of(const std::string& s) { return shoal::gossip::string_to_bytes(s); }

inline shoal::gossip::Bytes filled(std::size_t n, std::uint64_t seed) {
  TestRng r(seed);
  shoal::gossip::Bytes b(n);
  for (auto& x : b) x = static_cast<std::byte>(r.next());
  return b;
}

constexpr std::int64_t kSecond = 1'000'000;
constexpr std::int64_t kT0 = 1'700'000'000LL * kSecond;  // a fixed "now" for tests

}  // namespace store_test
