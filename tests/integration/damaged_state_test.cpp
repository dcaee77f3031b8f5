// A damaged data_dir/state at start (bytes flipped, truncated, emptied): the peer says so, keeps
// the file aside, starts with no state and never serves the damaged one; its services come back
// from its folder.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cluster.hpp"

using shoal::test::Cluster;
using shoal::test::read_text;
using shoal::test::wait_until;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

bool runs_web(Cluster& c) {
  auto s = c.get(0, "/v1/services");
  return s && s->size() == 1 && (*s)[0]["name"] == "web" && (*s)[0]["running"] == 1;
}

int damaged_copies(const std::string& data) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(data))
    n += e.path().filename().string().rfind("state.damaged-", 0) == 0;
  return n;
}

}  // namespace

TEST_CASE("a damaged state file is kept aside, never served, and the peer starts",
          "[asan][integration][persistence]") {
  Cluster c(1);
  const std::string data = c.peer(0).dir + "/data";
  std::ofstream(c.peer(0).dir + "/services/web.toml")
      << "[service.web]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 1\n";
  c.start(0);
  REQUIRE(wait_until(30s, [&] { return runs_web(c); }));
  std::this_thread::sleep_for(1500ms);  // the state persisted
  const std::string good = read_text(data + "/state");
  REQUIRE(good.rfind("shoal-state 1 ", 0) == 0);

  int round = 0;
  for (const char* kind : {"flipped", "truncated", "empty"}) {
    INFO(kind);
    c.kill9(0);
    std::string bad = good;
    if (std::string(kind) == "flipped") bad[bad.size() / 2] ^= 0x01;
    if (std::string(kind) == "truncated") bad.resize(bad.size() - 7);
    if (std::string(kind) == "empty") bad.clear();
    std::ofstream(data + "/state", std::ios::trunc) << bad;
    std::this_thread::sleep_for(1100ms);  // a new second: a new name for the copy kept aside
    c.start(0);
    REQUIRE(wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); }));
    ++round;
    CHECK(damaged_copies(data) == round);
    const std::string log = read_text(c.peer(0).log);
    CHECK(log.find("/state is damaged") != std::string::npos);
    // Its folder still defines web: republished, running once.
    CHECK(wait_until(30s, [&] { return runs_web(c); }));
    std::this_thread::sleep_for(1500ms);  // a good state written again
    CHECK(read_text(data + "/state").rfind("shoal-state 1 ", 0) == 0);
  }
}
