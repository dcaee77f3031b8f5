// ProbePool: health probes on a bounded set of threads. Jobs block on a gate the test opens;
// every wait is bounded (condition variables with deadlines), nothing sleeps for time.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>

#include "node/probe_pool.hpp"

using namespace shoal;
using namespace std::chrono_literals;

namespace {

// Jobs that wait (at most 10 s) until the test opens the gate; counts how many run at once.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  int inside = 0, peak = 0;

  node::ProbePool::Job job(bool ok) {
    return [this, ok] {
      std::unique_lock<std::mutex> lk(mu);
      peak = std::max(peak, ++inside);
      cv.notify_all();
      cv.wait_for(lk, 10s, [&] { return open; });
      --inside;
      return runtime::ProbeResult{ok, ok ? "passed" : "failed"};
    };
  }
  bool wait_inside(int n) {
    std::unique_lock<std::mutex> lk(mu);
    return cv.wait_for(lk, 10s, [&] { return inside >= n; });
  }
  void release() {
    std::lock_guard<std::mutex> lk(mu);
    open = true;
    cv.notify_all();
  }
};

}  // namespace

TEST_CASE("probe pool: at most max_threads probes run at once, the rest wait and then run",
          "[node][probes]") {
  Gate gate;
  std::atomic<int> done_calls{0};
  {
    node::ProbePool pool(16, [&] { ++done_calls; });
    for (std::uint64_t k = 1; k <= 20; ++k) pool.submit(k, gate.job(k % 2 == 0));
    REQUIRE(gate.wait_inside(16));
    CHECK(pool.running() == 16);
    CHECK(pool.queued() == 4);
    CHECK(pool.threads() == 16);
    CHECK(pool.take().empty());
    gate.release();
    REQUIRE(pool.wait_results(20, 10s));
    auto done = pool.take();
    REQUIRE(done.size() == 20);
    std::set<std::uint64_t> keys;
    for (const auto& d : done) {
      keys.insert(d.key);
      CHECK(d.result.ok == (d.key % 2 == 0));
    }
    CHECK(keys.size() == 20);
    CHECK(pool.take().empty());  // each result once
    CHECK(pool.threads() == 16);
  }
  CHECK(gate.peak == 16);
  CHECK(done_calls == 20);
}

TEST_CASE("probe pool: a hanging probe does not hold up one queued after it", "[node][probes]") {
  Gate gate;
  node::ProbePool pool(16);
  pool.submit(1, gate.job(true));  // hangs until released
  REQUIRE(gate.wait_inside(1));
  pool.submit(2, [] { return runtime::ProbeResult{false, "exit 1"}; });
  REQUIRE(pool.wait_results(1, 5s));
  auto done = pool.take();
  REQUIRE(done.size() == 1);
  CHECK(done[0].key == 2);
  CHECK(done[0].result.detail == "exit 1");
  CHECK(pool.running() == 1);
  gate.release();
  REQUIRE(pool.wait_results(1, 10s));
  CHECK(pool.take().at(0).key == 1);
}

TEST_CASE("probe pool: a probe that throws is a failed result, and the thread goes on",
          "[node][probes]") {
  node::ProbePool pool(1);
  pool.submit(7, []() -> runtime::ProbeResult { throw std::runtime_error("boom"); });
  pool.submit(8, [] { return runtime::ProbeResult{true, "ok"}; });
  REQUIRE(pool.wait_results(2, 5s));
  auto done = pool.take();
  REQUIRE(done.size() == 2);
  CHECK(done[0].key == 7);
  CHECK_FALSE(done[0].result.ok);
  CHECK(done[0].result.detail == "probe failed: boom");
  CHECK(done[1].result.ok);
  CHECK(pool.threads() == 1);
}
