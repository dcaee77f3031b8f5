// A hybrid logical clock packed in 64 bits: wall-clock milliseconds in the high 48 bits, a
// logical counter in the low 16. Pure: the wall clock (microseconds since the Unix epoch) is
// passed in. Timestamps it issues are strictly increasing and greater than every timestamp it
// has observed, so a local write always follows everything this peer has seen.
#pragma once

#include <cstdint>

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

}  // namespace shoal::gossip
