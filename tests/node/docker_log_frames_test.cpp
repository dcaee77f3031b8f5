// The Docker Engine API's multiplexed log stream (node/docker_log_frames.hpp) as hostile input:
// a frame cut short, a length larger than what arrived, a huge announced length, a bad header,
// invalid UTF-8 - parsed within the bytes received, never a crash.
#include <catch2/catch.hpp>

#include <string>

#include "node/docker_log_frames.hpp"
#include "node/log_line.hpp"

using namespace shoal::node;

namespace {

std::string docker_frame(int stream, const std::string& payload, std::int64_t announced = -1) {
  const auto n = static_cast<std::uint32_t>(announced < 0 ? static_cast<std::int64_t>(payload.size())
                                                          : announced);
  std::string h{static_cast<char>(stream), 0, 0, 0, static_cast<char>(n >> 24),
                static_cast<char>(n >> 16), static_cast<char>(n >> 8), static_cast<char>(n)};
  return h + payload;
}

}  // namespace

TEST_CASE("docker log frames: a truncated header keeps what came before it", "[node][logs]") {
  const std::string body = docker_frame(1, "one\n") + std::string("\x02\x00\x00", 3);
  auto f = parse_docker_frames(body);
  CHECK(f.truncated);
  CHECK(f.error.empty());
  REQUIRE(f.chunks.size() == 1);
  CHECK(f.chunks[0].payload == "one\n");
}

TEST_CASE("docker log frames: a length larger than what arrived takes only what arrived",
          "[node][logs]") {
  const std::string body = docker_frame(2, "partial line", 1000);
  auto f = parse_docker_frames(body);
  CHECK(f.truncated);
  REQUIRE(f.chunks.size() == 1);
  CHECK(f.chunks[0].stream == 2);
  CHECK(f.chunks[0].payload == "partial line");
  auto lines = docker_lines(f);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].text == "partial line");
}

TEST_CASE("docker log frames: a huge announced length costs nothing beyond the bytes received",
          "[node][logs]") {
  const std::string body = docker_frame(1, "x", 0xFFFFFFFFu);
  auto f = parse_docker_frames(body);
  CHECK(f.truncated);
  REQUIRE(f.chunks.size() == 1);
  CHECK(f.chunks[0].payload.size() == 1);
}

TEST_CASE("docker log frames: a header that cannot be one stops the parse with an error",
          "[node][logs]") {
  std::string body = docker_frame(1, "ok\n") + docker_frame(7, "nope\n");
  auto f = parse_docker_frames(body);
  CHECK_FALSE(f.error.empty());
  REQUIRE(f.chunks.size() == 1);
  body = docker_frame(1, "ok\n");
  body[2] = 1;  // padding must be zero
  CHECK_FALSE(parse_docker_frames(body).error.empty());
  CHECK_FALSE(looks_multiplexed("plain tty output\n"));
  CHECK(looks_multiplexed(docker_frame(1, "x")));
}

TEST_CASE("docker log frames: lines split over frames join per stream, times parse off",
          "[node][logs]") {
  const std::string body = docker_frame(1, "2026-12-07T05:20:00.123456789Z hel") + docker_frame(2, "2026-12-07T05:20:01Z err\n") +
                           docker_frame(1, "lo\r\n") + docker_frame(1, "no-time line\n");
  auto lines = docker_lines(parse_docker_frames(body));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].stream == 2);
  CHECK(lines[0].text == "err");
  CHECK(lines[1].stream == 1);
  CHECK(lines[1].text == "hello");
  CHECK(lines[1].ts_ns == 1796620800123456789LL);
  CHECK(lines[1].ts_ms == 1796620800123LL);
  CHECK(lines[2].ts_ms == 0);
  CHECK(lines[2].text == "no-time line");
}

TEST_CASE("docker log frames: RFC 3339 times are parsed strictly", "[node][logs]") {
  CHECK(parse_rfc3339_ns("1970-01-01T00:00:01Z") == 1'000'000'000);
  CHECK(parse_rfc3339_ns("1970-01-01T00:00:00.5Z") == 500'000'000);
  CHECK(parse_rfc3339_ns("1970-01-01T00:00:00.Z") == -1);
  CHECK(parse_rfc3339_ns("1970-01-01T00:00:00.1234567890Z") == -1);
  CHECK(parse_rfc3339_ns("1970-02-30T00:00:00Z") == -1);
  CHECK(parse_rfc3339_ns("1970-01-01T00:00:00+01:00") == -1);
  CHECK(parse_rfc3339_ns("") == -1);
  CHECK(parse_rfc3339_ns("garbage-garbage-garbage") == -1);
}

TEST_CASE("docker log frames: every prefix of a valid stream parses without a crash",
          "[node][logs]") {
  const std::string body = docker_frame(1, "2026-12-07T05:20:00Z a\n") + docker_frame(2, "b\xff\xfe\n") +
                           docker_frame(1, std::string(300, 'z') + "\n");
  for (std::size_t n = 0; n <= body.size(); ++n) {
    auto f = parse_docker_frames(std::string_view(body).substr(0, n));
    std::size_t total = 0;
    for (const auto& c : f.chunks) total += c.payload.size();
    CHECK(total <= n);
    for (const auto& l : docker_lines(f)) CHECK(safe_utf8(l.text).size() <= 3 * l.text.size());
  }
}

TEST_CASE("log lines: invalid UTF-8 is replaced, long lines are cut", "[node][logs]") {
  CHECK(safe_utf8("ok \xc3\xa9") == "ok \xc3\xa9");
  CHECK(safe_utf8("a\xffz") == "a\xEF\xBF\xBDz");
  CHECK(safe_utf8("\xc0\xaf") == "\xEF\xBF\xBD\xEF\xBF\xBD");      // overlong
  CHECK(safe_utf8("\xed\xa0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  CHECK(safe_utf8("\xe2\x82") == "\xEF\xBF\xBD\xEF\xBF\xBD");      // cut short
  CHECK(safe_utf8(std::string(100, 'a'), 10).size() == 10);
}

TEST_CASE("log lines: json keys, text form, merged by time", "[node][logs]") {
  LogLine a{1796620800123, "web", 2, "p1", "stderr", "boom"};
  auto j = to_json(a);
  CHECK(j["ts"] == "2026-12-07T05:20:00.123Z");
  CHECK(j["service"] == "web");
  CHECK(j["index"] == 2);
  CHECK(j["peer"] == "p1");
  CHECK(j["stream"] == "stderr");
  CHECK(j["line"] == "boom");
  CHECK(log_text(a) == "2026-12-07T05:20:00.123Z web/2 p1 stderr| boom");
  LogLine b{1796620800100, "web", 1, "p2", "stdout", "first"};
  LogLine c{1796620800200, "web", 1, "p2", "stdout", "last"};
  auto m = merge_by_time({{a}, {b, c}});
  REQUIRE(m.size() == 3);
  CHECK(m[0].line == "first");
  CHECK(m[1].line == "boom");
  CHECK(m[2].line == "last");
}
