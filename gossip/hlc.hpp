// A hybrid logical clock packed in 64 bits: wall-clock milliseconds in the high 48 bits, a
// logical counter in the low 16. Pure: the wall clock (microseconds since the Unix epoch) is
// passed in. Timestamps it issues are strictly increasing and greater than every timestamp it
// has observed, so a local write always follows everything this peer has seen.
#pragma once

#include <cstdint>
#include <limits>

namespace shoal::gossip {

class Hlc {
 public:
  static constexpr int kLogicalBits = 16;

  explicit Hlc(std::uint64_t last = 0) : last_(last) {}

  // A timestamp for a local event at `wall_us`: max(last + 1, physical(wall_us)).
  std::uint64_t tick(std::int64_t wall_us);
  // The receive rule: remember a remote timestamp so later ticks exceed it.
  void observe(std::uint64_t remote);
  std::uint64_t last() const { return last_; }

  // The timestamp with `wall_us` as physical part and a zero counter (negative wall -> 0).
  static std::uint64_t from_wall(std::int64_t wall_us);
  // The physical part of a timestamp, in microseconds (millisecond resolution).
  static std::int64_t physical_us(std::uint64_t hlc);
  static std::uint64_t logical(std::uint64_t hlc) { return hlc & ((1u << kLogicalBits) - 1); }

 private:
  std::uint64_t last_;
};

// a - b, saturated instead of overflowing (walls and configs come from outside).
inline std::int64_t sat_sub(std::int64_t a, std::int64_t b) {
  std::int64_t d = 0;
  if (__builtin_sub_overflow(a, b, &d))
    return a < b ? std::numeric_limits<std::int64_t>::min() : std::numeric_limits<std::int64_t>::max();
  return d;
}

// How far `hlc`'s physical time lies behind `wall_us` (negative: ahead of it).
inline std::int64_t age_us(std::uint64_t hlc, std::int64_t wall_us) {
  return sat_sub(wall_us, Hlc::physical_us(hlc));
}

}  // namespace shoal::gossip
