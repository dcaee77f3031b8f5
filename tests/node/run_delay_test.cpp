// The run delay read from /proc/thread-self/schedstat: this kernel's own text, and texts it
// never writes refused rather than misread.
#include <catch2/catch.hpp>

#include "node/run_delay.hpp"

using shoal::node::parse_run_delay;

TEST_CASE("run delay: this thread's, in microseconds, never decreasing") {
  const auto a = shoal::node::thread_run_delay();
  REQUIRE(a);  // Debian's kernels keep schedstat
  const auto b = shoal::node::thread_run_delay();
  REQUIRE(b);
  CHECK(*a >= 0);
  CHECK(*b >= *a);
}

TEST_CASE("run delay: the second field, and nothing else") {
  CHECK(parse_run_delay("123456789 987654321 42\n") == 987654);
  CHECK(parse_run_delay("1 0 0\n") == 0);
  CHECK(parse_run_delay("1 5000") == 5);
  CHECK_FALSE(parse_run_delay(""));
  CHECK_FALSE(parse_run_delay("123456789"));
  CHECK_FALSE(parse_run_delay("1 -5 0"));
  CHECK_FALSE(parse_run_delay("1 x 0"));
  CHECK_FALSE(parse_run_delay("1 5x 0"));
  CHECK_FALSE(parse_run_delay("1 99999999999999999999999 0"));  // past 64 bits
}
