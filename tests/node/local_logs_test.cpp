// Reading the process driver's rotated log files (node/local_logs.hpp): tail across rotations,
// a follow cursor that survives a rotation and a truncation, bounded reads.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "node/local_logs.hpp"

using namespace shoal::node;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/shoal-logs-test-XXXXXX";
    path = ::mkdtemp(tmpl);
    fs::create_directories(path / "logs");
  }
  ~TempDir() { fs::remove_all(path); }
};

void write(const fs::path& p, const std::string& text, bool append = false) {
  std::ofstream f(p, append ? std::ios::app : std::ios::trunc);
  f << text;
}

}  // namespace

TEST_CASE("local logs: tail reads across the rotated file, oldest first", "[node][logs]") {
  TempDir d;
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
  TempDir d;
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
