// Per-line arrival times of process-driver output (node/runtime/log_stamp.hpp), on an injected
// clock: the format read back, a line stamped when its first byte came, bounded lines.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "node/runtime/log_stamp.hpp"

using namespace shoal::runtime;

namespace {

constexpr std::int64_t kT0 = 1796620800'123456789;  // 2026-12-07T05:20:00.123456789Z

std::string stamp(std::int64_t ns) {
  char b[kLogStampBytes];
  format_log_stamp(ns, b);
  return std::string(b, kLogStampBytes);
}

// A stamper on a buffer of `cap` bytes that records every write it makes.
struct Stamped {
  std::vector<char> buf;
  LineStamper s;
  std::string out;
  std::vector<std::size_t> writes;
  explicit Stamped(std::size_t cap, std::size_t max_line = kMaxStampedLineBytes)
      : buf(cap), s(buf.data(), buf.size(), max_line) {}
  void feed(const std::string& data, std::int64_t now) {
    s.feed(data.data(), data.size(), now, [this](const char* p, std::size_t n) {
      out.append(p, n);
      writes.push_back(n);
    });
  }
  void finish() {
    s.finish([this](const char* p, std::size_t n) { out.append(p, n); });
  }
};

}  // namespace

TEST_CASE("log stamp: RFC 3339 in UTC with nanoseconds, read back exactly", "[runtime][logs]") {
  CHECK(stamp(kT0) == "2026-12-07T05:20:00.123456789Z ");
  CHECK(stamp(0) == "1970-01-01T00:00:00.000000000Z ");
  CHECK(stamp(-5) == "1970-01-01T00:00:00.000000000Z ");
  CHECK(stamp(951'782'400'000'000'000) == "2000-02-29T00:00:00.000000000Z ");  // a leap day
  for (std::int64_t ns : {std::int64_t{0}, kT0, std::int64_t{951'782'399'999'999'999},
                          std::int64_t{4'102'444'800'000'000'001}})
    CHECK(parse_log_stamp(stamp(ns) + "text") == ns);
  CHECK(parse_log_stamp(stamp(kT0)) == kT0);  // an empty line
  // Not a stamp: a line that merely looks like one is left as it is.
  CHECK_FALSE(parse_log_stamp("2026-12-07T05:20:00.123456789Z"));           // no space: cut
  CHECK_FALSE(parse_log_stamp("2026-12-07T05:20:00.123Z text that is long"));  // Docker's ms
  CHECK_FALSE(parse_log_stamp("2026-04-31T05:20:00.123456789Z no 31 April"));
  CHECK_FALSE(parse_log_stamp("2026-13-07T05:20:00.123456789Z month 13"));
  CHECK_FALSE(parse_log_stamp("2026-12-07T24:20:00.123456789Z hour 24"));
  CHECK_FALSE(parse_log_stamp("2026-12-07T05:20:00.12345678xZ x"));
  CHECK_FALSE(parse_log_stamp("+026-12-07T05:20:00.123456789Z sign"));
  CHECK_FALSE(parse_log_stamp("1969-12-31T23:59:59.999999999Z before 1970"));
  CHECK_FALSE(parse_log_stamp("9999-12-31T23:59:59.999999999Z past int64 ns"));
}

TEST_CASE("log stamp: each line has the time its first byte arrived", "[runtime][logs]") {
  Stamped t(4096);
  t.feed("a\nb", kT0);        // b starts now, ends later
  t.feed("c\n\nd\n", kT0 + 7);  // the empty line and d are stamped by this read
  t.feed("e", kT0 + 9);
  t.finish();                   // the instance ended mid-line: the line is ended
  CHECK(t.out == stamp(kT0) + "a\n" + stamp(kT0) + "bc\n" + stamp(kT0 + 7) + "\n" +
                     stamp(kT0 + 7) + "d\n" + stamp(kT0 + 9) + "e\n");
  // One write per read when it fits in the buffer.
  CHECK(t.writes.size() == 3);
  t.finish();  // nothing open: nothing written
  CHECK(t.out.back() == '\n');
}

TEST_CASE("log stamp: a line without end is cut and stamped again, memory stays the buffer",
          "[runtime][logs]") {
  Stamped t(64, 8);
  // 100 reads of 1,000 bytes without a newline: every write is at most the buffer, and the
  // line comes out in parts of 8 bytes, each with the time its first byte arrived.
  for (int i = 0; i < 100; ++i) t.feed(std::string(1000, 'x'), kT0 + i);
  t.finish();
  std::size_t largest = 0;
  for (auto n : t.writes) largest = std::max(largest, n);
  CHECK(largest <= 64);
  std::size_t lines = 0, good = 0, at = 0;
  while (at < t.out.size()) {
    const auto nl = t.out.find('\n', at);
    REQUIRE(nl != std::string::npos);
    const std::string line = t.out.substr(at, nl - at);
    if (parse_log_stamp(line) && line.size() == kLogStampBytes + 8) ++good;
    at = nl + 1;
    ++lines;
  }
  CHECK(lines == 100'000 / 8);
  CHECK(good == lines);
  CHECK(parse_log_stamp(t.out.substr(t.out.rfind('\n', t.out.size() - 2) + 1)) ==
        kT0 + 99);  // the last part started in the last read
}

TEST_CASE("log stamp: a cut does not split a UTF-8 sequence", "[runtime][logs]") {
  Stamped t(4096, 4);
  t.feed("abc\xC3\xA9z\n", kT0);  // "é" spans the limit: it stays whole
  CHECK(t.out == stamp(kT0) + "abc\xC3\xA9\n" + stamp(kT0) + "z\n");
  Stamped bad(4096, 4);
  bad.feed("abcd\x80\x80\x80\x80\x80\n", kT0);  // no sequence: cut 3 bytes past the limit
  CHECK(bad.out == stamp(kT0) + "abcd\x80\x80\x80\n" + stamp(kT0) + "\x80\x80\n");
}
