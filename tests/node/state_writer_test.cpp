// The state file's background writer with a real temporary folder: snapshots submitted while a
// write is in flight coalesce (the newest wins), only one write runs at a time, a failed write
// is retried, and stop() writes what is pending.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "node/persist.hpp"
#include "node/state_writer.hpp"

using namespace shoal::node;
namespace fs = std::filesystem;

namespace {

struct WriterDir {
  fs::path path;
  WriterDir() {
    char tmpl[] = "/tmp/shoal-state-writer-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~WriterDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// A write that blocks while the gate is closed, recording what it wrote and how many writes
// overlapped; it writes through write_file_atomic, the real durable path.
struct GatedWrite {
  std::mutex mu;
  std::condition_variable cv;
  bool open = true;
  int active = 0, max_active = 0, entered = 0;
  int fail_next = 0;
  std::vector<std::string> wrote;  // successful writes, in order

  StateWriter::Write fn() {
    return [this](const std::string& path, const std::string& data) -> std::string {
      std::unique_lock lk(mu);
      ++entered;
      max_active = std::max(max_active, ++active);
      cv.notify_all();
      cv.wait(lk, [&] { return open; });
      --active;
      if (fail_next > 0) {
        --fail_next;
        return "disk full (injected)";
      }
      lk.unlock();
      std::string e = write_file_atomic(path, data);
      lk.lock();
      if (e.empty()) wrote.push_back(data);
      return e;
    };
  }
  void set_open(bool o) {
    std::lock_guard lk(mu);
    open = o;
    cv.notify_all();
  }
  // Waits (bounded) until `n` writes have begun.
  bool wait_entered(int n) {
    std::unique_lock lk(mu);
    return cv.wait_for(lk, std::chrono::seconds(10), [&] { return entered >= n; });
  }
};

}  // namespace

TEST_CASE("state writer: snapshots submitted during a write coalesce, the newest wins",
          "[node][state_writer]") {
  WriterDir dir;
  const std::string path = (dir.path / "state").string();
  GatedWrite g;
  g.set_open(false);
  std::vector<std::string> logged;
  {
    StateWriter w(path, [&](const std::string& m) { logged.push_back(m); }, g.fn());
    w.submit("one");
    REQUIRE(g.wait_entered(1));  // "one" is in flight, held
    for (int i = 2; i <= 9; ++i) w.submit("snapshot " + std::to_string(i));
    CHECK(w.coalesced() == 7);
    g.set_open(true);
    w.stop();
    CHECK(w.written() == 2);
    CHECK(w.failed() == 0);
  }
  CHECK(g.wrote == std::vector<std::string>{"one", "snapshot 9"});
  CHECK(g.max_active == 1);
  CHECK(read_file(path) == "snapshot 9");
  CHECK(logged.empty());
}

TEST_CASE("state writer: stop writes the pending snapshot before it returns",
          "[node][state_writer]") {
  WriterDir dir;
  const std::string path = (dir.path / "state").string();
  for (int round = 0; round < 20; ++round) {  // racing the writer thread's first wake-up
    StateWriter w(path, {});
    for (int i = 0; i <= round; ++i) w.submit("round " + std::to_string(round) + " #" + std::to_string(i));
    w.stop();
    CHECK(read_file(path) == "round " + std::to_string(round) + " #" + std::to_string(round));
    CHECK(w.written() >= 1);
    w.stop();  // idempotent
  }
}

TEST_CASE("state writer: a failed write is retried, unless a newer snapshot replaced it",
          "[node][state_writer]") {
  WriterDir dir;
  const std::string path = (dir.path / "state").string();
  GatedWrite g;
  g.fail_next = 2;
  std::atomic<int> logged{0};
  StateWriter w(path, [&](const std::string&) { ++logged; }, g.fn(), std::chrono::milliseconds(5));
  w.submit("kept");
  REQUIRE(g.wait_entered(3));  // two failures, then the retry that succeeds
  w.stop();
  CHECK(g.wrote == std::vector<std::string>{"kept"});
  CHECK(w.failed() == 2);
  CHECK(logged == 2);
  CHECK(read_file(path) == "kept");
}

TEST_CASE("state writer: a write that fails at stop is logged, not retried forever",
          "[node][state_writer]") {
  WriterDir dir;
  // A folder where the file should be: write_file_atomic cannot rename over it.
  const std::string path = (dir.path / "state").string();
  fs::create_directory(path);
  fs::create_directory(path + "/x");
  std::vector<std::string> logged;
  StateWriter w(path, [&](const std::string& m) { logged.push_back(m); }, {},
                std::chrono::hours(1));
  w.submit("data");
  w.stop();  // returns: the retry wait ends at stop, one last attempt, then the thread ends
  CHECK(w.written() == 0);
  CHECK(w.failed() >= 1);
  REQUIRE_FALSE(logged.empty());
  CHECK(fs::is_directory(path));
}
