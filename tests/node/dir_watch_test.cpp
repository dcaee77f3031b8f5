// DirWatch: inotify on a real folder wakes the caller; the watch is dropped when the folder
// is renamed away and added again on the path by ensure().
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "node/asio.hpp"
#include "node/dir_watch.hpp"

namespace {

// Runs `io` until `woken` grew past `before` (bounded): whether it did.
bool woken_after(boost::asio::io_context& io, const int& woken, int before) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (woken == before && std::chrono::steady_clock::now() < end) {
    io.restart();
    io.run_for(std::chrono::milliseconds(20));
  }
  return woken > before;
}

}  // namespace

TEST_CASE("dir watch: wakes on changes, re-watches a folder renamed away and back",
          "[node][services]") {
  namespace fs = std::filesystem;
  const std::string dir =
      fs::temp_directory_path() / ("shoal-dir-watch-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::remove_all(dir + ".away");
  boost::asio::io_context io;
  int woken = 0;
  shoal::node::DirWatch w(io, dir, [&] { ++woken; });
  CHECK_FALSE(w.ensure());  // missing: no watch, no error
  fs::create_directories(dir);
  REQUIRE(w.ensure());
  CHECK(w.watching());

  std::ofstream(dir + "/web.toml") << "[service.web]\ncommand = [\"x\"]\n";
  CHECK(woken_after(io, woken, 0));

  int before = woken;
  fs::rename(dir, dir + ".away");
  CHECK(woken_after(io, woken, before));
  CHECK_FALSE(w.watching());  // it followed the inode: dropped
  std::ofstream(dir + ".away/db.toml") << "x";  // not watched any more
  CHECK_FALSE(w.ensure());
  fs::rename(dir + ".away", dir);
  REQUIRE(w.ensure());
  before = woken;
  fs::remove(dir + "/db.toml");
  CHECK(woken_after(io, woken, before));
  fs::remove_all(dir);
}
