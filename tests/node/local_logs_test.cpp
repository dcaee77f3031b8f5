// Reading the process driver's rotated log files (node/local_logs.hpp): tail across rotations,
// a follow cursor that survives a rotation and a truncation, bounded reads.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node/local_logs.hpp"

using namespace shoal::node;
namespace fs = std::filesystem;

namespace {

struct LogsDir {
  fs::path path;
  LogsDir() {
    char tmpl[] = "/tmp/shoal-logs-test-XXXXXX";
    path = ::mkdtemp(tmpl);
    fs::create_directories(path / "logs");
  }
  ~LogsDir() { fs::remove_all(path); }
};

void write(const fs::path& p, const std::string& text, bool append = false) {
  std::ofstream f(p, append ? std::ios::app : std::ios::trunc);
  f << text;
}

// Sets `p`'s last write to `ms` since the epoch (a test's time, not the machine's).
void set_mtime(const fs::path& p, std::int64_t ms) {
  const timespec t{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000 * 1'000'000)};
  const timespec times[2] = {t, t};
  REQUIRE(::utimensat(AT_FDCWD, p.c_str(), times, 0) == 0);
}

}  // namespace

TEST_CASE("local logs: tail reads across the rotated file, oldest first", "[node][logs]") {
  LogsDir d;
  write(d.path / "logs/web-0.out.1", "a\nb\nc\n");
  write(d.path / "logs/web-0.out", "d\ne\n");
  auto r = read_process_stream((d.path / "logs/web-0.out").string(), "", 3, 0);
  REQUIRE(r.lines == std::vector<std::string>{"c", "d", "e"});
  CHECK_FALSE(r.position.empty());
  // Nothing new: nothing read.
  auto again = read_process_stream((d.path / "logs/web-0.out").string(), r.position, 100, 0);
  CHECK(again.lines.empty());
  // New lines after the cursor only; then a rotation: the rest of the old file, then the new.
  write(d.path / "logs/web-0.out", "f\n", true);
  auto more = read_process_stream((d.path / "logs/web-0.out").string(), r.position, 100, 0);
  CHECK(more.lines == std::vector<std::string>{"f"});
  write(d.path / "logs/web-0.out", "g\n", true);
  fs::rename(d.path / "logs/web-0.out", d.path / "logs/web-0.out.1");
  write(d.path / "logs/web-0.out", "h\n");
  auto rotated = read_process_stream((d.path / "logs/web-0.out").string(), more.position, 100, 0);
  CHECK(rotated.lines == std::vector<std::string>{"g", "h"});
  // Truncated in place (log_keep = 0): read from the start again.
  write(d.path / "logs/web-0.out", "a longer line\n", true);
  auto longer = read_process_stream((d.path / "logs/web-0.out").string(), rotated.position, 100, 0);
  CHECK(longer.lines == std::vector<std::string>{"a longer line"});
  write(d.path / "logs/web-0.out", "i\n");
  auto trunc = read_process_stream((d.path / "logs/web-0.out").string(), longer.position, 100, 0);
  CHECK(trunc.lines == std::vector<std::string>{"i"});
  // A cursor that is garbage reads as no cursor.
  auto junk = read_process_stream((d.path / "logs/web-0.out").string(), "x.y", 1, 0);
  CHECK(junk.lines == std::vector<std::string>{"i"});
}

TEST_CASE("local logs: every instance of the service, both streams, keys filled", "[node][logs]") {
  LogsDir d;
  write(d.path / "logs/web-0.out", "zero\n");
  write(d.path / "logs/web-3.err", "three \xff\n");
  write(d.path / "logs/webx-1.out", "other service\n");
  LocalLogsSetup s{"p1", d.path.string(), "process", ""};
  LogsRequest req{1, "web", std::nullopt, 10, 0, {}};
  auto r = read_local_logs(s, req, 0);
  REQUIRE(r.lines.size() == 2);
  bool saw0 = false, saw3 = false;
  for (const auto& l : r.lines) {
    CHECK(l.service == "web");
    CHECK(l.peer == "p1");
    CHECK(l.ts_ms > 0);
    if (l.index == 0) saw0 = l.stream == "stdout" && l.line == "zero";
    if (l.index == 3) saw3 = l.stream == "stderr" && l.line == "three \xEF\xBF\xBD";
  }
  CHECK(saw0);
  CHECK(saw3);
  CHECK(r.cursor.count("web/0/stdout") == 1);
  CHECK(r.cursor.count("web/3/stderr") == 1);
  // since: files not written in the window are left out.
  req.since_ms = 1000;
  CHECK(read_local_logs(s, req, 4'000'000'000'000).lines.empty());
}

namespace {

std::string log_frame(int stream, const std::string& payload, std::int64_t announced = -1) {
  const auto n = static_cast<std::uint32_t>(
      announced < 0 ? static_cast<std::int64_t>(payload.size()) : announced);
  return std::string{static_cast<char>(stream), 0, 0, 0, static_cast<char>(n >> 24),
                     static_cast<char>(n >> 16), static_cast<char>(n >> 8), static_cast<char>(n)} +
         payload;
}

}  // namespace

TEST_CASE("local logs: an ended container's kept copy is read (hostile bytes too), engine down",
          "[node][logs]") {
  LogsDir d;
  write(d.path / "logs/web-2.a1b2c3d4e5f6.docker",
        log_frame(1, "2026-12-07T05:20:00.5Z out line\n") + log_frame(2, "2026-12-07T05:20:01Z err \xff\n"));
  // Hostile copies: a length beyond what is there, a header cut short, garbage.
  write(d.path / "logs/web-3.bbbbbbbbbbbb.docker", log_frame(1, "2026-12-07T05:20:02Z cut", 1u << 31));
  write(d.path / "logs/web-4.cccccccccccc.docker", log_frame(2, "x\n") + std::string("\x02\x00", 2));
  write(d.path / "logs/web-5.dddddddddddd.docker", "\x07garbage that is no frame");
  LocalLogsSetup s{"p1", d.path.string(), "docker", (d.path / "no-engine.sock").string()};
  LogsRequest req{1, "web", 2, 10, 0, {}};
  auto r = read_local_logs(s, req, 0);
  CHECK_FALSE(r.error.empty());  // the engine is not there: said, and the copy still read
  REQUIRE(r.lines.size() == 2);
  CHECK(r.lines[0].line == "out line");
  CHECK(r.lines[0].stream == "stdout");
  CHECK(r.lines[0].ts_ms == 1796620800500);
  CHECK(r.lines[0].index == 2);
  CHECK(r.lines[1].line == "err \xEF\xBF\xBD");
  CHECK(r.lines[1].stream == "stderr");
  // The cursor: nothing twice.
  req.cursor = r.cursor;
  CHECK(read_local_logs(s, req, 0).lines.empty());
  // Every instance: the hostile copies give what arrived, nothing more.
  req = LogsRequest{1, "web", std::nullopt, 10, 0, {}};
  r = read_local_logs(s, req, 0);
  std::map<int, std::vector<std::string>> by_index;
  for (const auto& l : r.lines) by_index[l.index].push_back(l.line);
  CHECK(by_index[2].size() == 2);
  CHECK(by_index[3] == std::vector<std::string>{"cut"});
  CHECK(by_index[4] == std::vector<std::string>{"x"});
  CHECK(by_index[5] == std::vector<std::string>{"\x07garbage that is no frame"});  // as a TTY's
}

TEST_CASE("local logs: a follow cursor loses no line when the engine stamps by the second",
          "[node][logs]") {
  LogsDir d;
  const auto path = d.path / "logs/web-0.aaaaaaaaaaaa.docker";
  const std::string a = log_frame(1, "2026-12-07T05:20:00Z a\n");
  const std::string b = log_frame(1, "2026-12-07T05:20:00Z b\n");  // the same second as a
  const std::string c = log_frame(2, "2026-12-07T05:20:01Z c\n");
  write(path, a);
  LocalLogsSetup s{"p1", d.path.string(), "docker", (d.path / "no-engine.sock").string()};
  LogsRequest req{1, "web", 0, 100, 0, {}};
  auto r = read_local_logs(s, req, 0);
  REQUIRE(r.lines.size() == 1);
  write(path, a + b);
  req.cursor = r.cursor;
  r = read_local_logs(s, req, 0);
  REQUIRE(r.lines.size() == 1);
  CHECK(r.lines[0].line == "b");
  write(path, a + b + c);
  req.cursor = r.cursor;
  r = read_local_logs(s, req, 0);
  REQUIRE(r.lines.size() == 1);
  CHECK(r.lines[0].line == "c");
  req.cursor = r.cursor;
  CHECK(read_local_logs(s, req, 0).lines.empty());
  // A cursor that is not one reads as none.
  req.cursor = {{"web/0/aaaaaaaaaaaa", "12:x"}};
  CHECK(read_local_logs(s, req, 0).lines.size() == 3);
}

TEST_CASE("local logs: each line's own arrival time, since by line, an unended line waits",
          "[node][logs]") {
  LogsDir d;
  // 2026-12-07T05:20:00Z = 1796620800000 ms. An older supervisor's line (no time) first: it
  // takes the file's last write, 05:20:10.
  const auto out = d.path / "logs/web-0.out", err = d.path / "logs/web-0.err";
  write(out, "legacy\n"
             "2026-12-07T05:20:00.100000000Z a\n"
             "2026-12-07T05:20:05.250000000Z b 2026-12-07T05:20:00.1Z\n"
             "2026-12-07T05:20:09.000000000Z not ended");
  write(err, "2026-12-07T05:20:03.000000000Z e\n");
  set_mtime(out, 1796620810000);
  set_mtime(err, 1796620803000);
  LocalLogsSetup s{"p1", d.path.string(), "process", ""};
  LogsRequest req{1, "web", 0, 100, 0, {}};
  auto r = read_local_logs(s, req, 1796620811000);
  REQUIRE(r.lines.size() == 4);
  // In time order across stdout and stderr.
  CHECK(r.lines[0].line == "a");
  CHECK(r.lines[0].ts_ms == 1796620800100);
  CHECK(r.lines[1].line == "e");
  CHECK(r.lines[1].stream == "stderr");
  CHECK(r.lines[1].ts_ms == 1796620803000);
  CHECK(r.lines[2].line == "b 2026-12-07T05:20:00.1Z");  // only the supervisor's time is taken
  CHECK(r.lines[2].ts_ms == 1796620805250);
  CHECK(r.lines[3].line == "legacy");
  CHECK(r.lines[3].ts_ms == 1796620810000);
  CHECK(to_json(r.lines[0])["ts"] == "2026-12-07T05:20:00.100Z");
  // The line still being written is not shown; once it ends it is, with its first byte's time.
  req.cursor = r.cursor;
  CHECK(read_local_logs(s, req, 1796620811000).lines.empty());
  write(out, " now\n", true);
  set_mtime(out, 1796620810000);
  r = read_local_logs(s, req, 1796620811000);
  REQUIRE(r.lines.size() == 1);
  CHECK(r.lines[0].line == "not ended now");
  CHECK(r.lines[0].ts_ms == 1796620809000);
  // --since counts by each line's time, not the file's: 6 s before 05:20:11 leaves out a (and
  // the stderr file, last written before then).
  req = LogsRequest{1, "web", 0, 100, 6000, {}};
  r = read_local_logs(s, req, 1796620811000);
  std::vector<std::string> got;
  for (const auto& l : r.lines) got.push_back(l.line);
  CHECK(got == std::vector<std::string>{"b 2026-12-07T05:20:00.1Z", "not ended now", "legacy"});
}
