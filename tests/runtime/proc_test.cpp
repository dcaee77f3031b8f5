// The one /proc/<pid>/stat parser (node/runtime/proc.hpp) on real shapes and hostile ones:
// every text gives the fields or false, never a read past the text.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>

#include "node/runtime/proc.hpp"

using namespace shoal::runtime;

namespace {
// Fields 3.. of a stat line: utime = 7, stime = 5, start time = 12345, rss = 300.
const std::string kTail =
    " S 1 2 3 0 -1 4194560 100 0 0 0 7 5 0 0 20 0 1 0 12345 1000000 300 18446744073709551615";
}  // namespace

TEST_CASE("proc stat: a command with spaces and parentheses", "[proc]") {
  ProcStat st;
  REQUIRE(parse_proc_stat("42 (a) b (c)" + kTail + "\n", &st));
  CHECK(st.state == 'S');
  CHECK(st.cpu_ticks == 12);
  CHECK(st.start_time == 12345);
  CHECK(st.rss_pages == 300);
  CHECK(parse_proc_stat("42 (sleep)" + kTail, &st));
  // Field 24 last, with nothing after it, is whole.
  CHECK(parse_proc_stat("42 (x) S 1 2 3 0 -1 4 1 0 0 0 7 5 0 0 20 0 1 0 9 1 33", &st));
  CHECK(st.rss_pages == 33);
}

TEST_CASE("proc stat: hostile texts", "[proc]") {
  ProcStat st;
  st.start_time = 77;
  CHECK_FALSE(parse_proc_stat("", &st));
  CHECK_FALSE(parse_proc_stat("42 sleep S 1 2", &st));           // no ')'
  CHECK_FALSE(parse_proc_stat("42 (sleep)", &st));                // nothing after it
  CHECK_FALSE(parse_proc_stat("42 (sleep)S" + kTail, &st));       // no space after ')'
  CHECK_FALSE(parse_proc_stat("42 (sleep) S 1 2 3", &st));        // cut short
  CHECK_FALSE(parse_proc_stat("42 (x) S 1 2 3 0 -1 4 1 0 0 0 7 5 0 0 20 0 1 0 9 1", &st));  // no 24
  CHECK_FALSE(parse_proc_stat("42 (x)" + std::string(kTail).replace(kTail.find(" 7 "), 3, " -7 "), &st));
  CHECK_FALSE(parse_proc_stat("42 (x) SS 1 2 3 0 -1 4 1 0 0 0 7 5 0 0 20 0 1 0 9 1 3", &st));  // state
  CHECK_FALSE(parse_proc_stat("42 (x)  S 1 2 3 0 -1 4 1 0 0 0 7 5 0 0 20 0 1 0 9 1 3", &st));  // empty field
  CHECK_FALSE(parse_proc_stat("42 (x) S 1 2 3 0 -1 4 1 0 0 0 99999999999999999999999 5 0 0 20 0 1 0 1 1 3", &st));
  // utime + stime overflowing 64 bits; a start time that does not fit.
  CHECK_FALSE(parse_proc_stat("42 (x) S 1 2 3 0 -1 4 1 0 0 0 18446744073709551615 5 0 0 20 0 1 0 1 1 3", &st));
  CHECK_FALSE(parse_proc_stat("42 (x) S 1 2 3 0 -1 4 1 0 0 0 7 5 0 0 20 0 1 0 18446744073709551616 1 3", &st));
  CHECK_FALSE(parse_proc_stat(std::string(100000, ')'), &st));
  // The line ends at its newline: fields on a second line do not count.
  CHECK_FALSE(parse_proc_stat("42 (x) S 1 2 3\n0 -1 4 1 0 0 0 7 5 0 0 20 0 1 0 9 1 3", &st));
  CHECK(st.start_time == 77);  // a refused text leaves the output alone
}

TEST_CASE("proc stat: this process's own file parses, with CPU time and RSS", "[proc]") {
  ProcStat st;
  REQUIRE(read_proc_stat(::getpid(), &st));
  CHECK(st.rss_pages > 0);
  CHECK(st.start_time > 0);
}
