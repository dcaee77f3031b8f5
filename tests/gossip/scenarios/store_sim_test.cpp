// A tiny simulation: N stores exchanging piggybacked deltas over a lossy channel, oversized
// entries over a (lossy) stream channel, and periodic push-pull. Virtual time, fixed seeds.
#include <catch2/catch.hpp>

#include <map>
#include <optional>

#include "gossip/store.hpp"
#include "store_test_util.hpp"

using namespace shoal::gossip;
using namespace store_test;

namespace {

constexpr std::int64_t kRound = 200'000;  // 200 ms gossip interval

class Sim {
 public:
  Sim(int n, int loss_percent, std::uint64_t seed, StoreConfig cfg = small_packets())
      : rng_(seed), loss_(loss_percent), cfg_(cfg) {
    for (int i = 0; i < n; ++i) {
      std::string name = "p";
      name += std::to_string(i);
      peers_.emplace_back(Store(name, cfg));
    }
    up_.assign(n, true);
    skew_.assign(n, 0);
  }
  static StoreConfig small_packets() {
    StoreConfig c;
    c.max_delta_bytes = 600;
    return c;
  }

  std::int64_t now() const { return now_; }
  std::int64_t wall(int i) const { return now_ + skew_[i]; }  // peer i's wall clock
  void set_skew(int i, std::int64_t us) { skew_[i] = us; }
  void advance(std::int64_t us) { now_ += us; }
  Store& peer(int i) { return peers_[i]; }
  int size() const { return static_cast<int>(peers_.size()); }
  void set_up(int i, bool up) { up_[i] = up; }
  void replace(int i, Store s) { peers_[i] = std::move(s); }
  std::vector<Bytes>& recorded() { return recorded_; }
  std::uint64_t push_pulls_completed() const { return push_pulls_; }

  // One gossip round: every peer piggybacks deltas to `fanout` peers; every `pp_every` rounds
  // each peer push-pulls with one random peer.
  void round() {
    now_ += kRound;
    ++rounds_;
    const int limit = Store::retransmit_limit(4, peers_.size());
    for (int i = 0; i < size(); ++i) {
      if (!up_[i]) continue;
      Bytes batch = peers_[i].take_deltas(600, limit);
      if (!batch.empty()) {
        recorded_.push_back(batch);
        for (int f = 0; f < 3; ++f) deliver(i, batch);
      }
      for (Bytes& big : peers_[i].take_oversized()) deliver(i, big);
    }
    if (rounds_ % 10 == 0)
      for (int i = 0; i < size(); ++i)
        if (up_[i]) push_pull(i, other(i));
  }

  void push_pull(int a, int b) {
    if (!up_[a] || !up_[b]) return;
    auto req = transmit(encode_push_pull(peers_[a].begin_push_pull()));
    if (!req) return;
    auto resp = peers_[b].handle_push_pull(wall(b), *req);
    REQUIRE(resp);
    auto resp_in = transmit(encode_push_pull(*resp));
    if (!resp_in) return;
    auto fin = peers_[a].handle_push_pull(wall(a), *resp_in);
    REQUIRE(fin);
    ++push_pulls_;
    if (auto fin_in = transmit(encode_push_pull(*fin))) peers_[b].handle_push_pull(wall(b), *fin_in);
  }

  bool converged() const {
    for (int i = 1; i < size(); ++i)
      if (up_[i] && peers_[i].entries() != peers_[0].entries()) return false;
    return true;
  }
  // Runs rounds until converged; returns the number of rounds or -1.
  int run_until_converged(int max_rounds) {
    for (int r = 0; r < max_rounds; ++r) {
      if (converged() && pending() == 0) return r;
      round();
    }
    return converged() ? max_rounds : -1;
  }
  std::size_t pending() const {
    std::size_t n = 0;
    for (const Store& s : peers_) n += s.pending_deltas() + s.pending_oversized();
    return n;
  }
  TestRng& rng() { return rng_; }

 private:
  int other(int i) {
    int j;
    do j = static_cast<int>(rng_.below(peers_.size())); while (j == i);
    return j;
  }
  void deliver(int from, const Bytes& batch) {
    const int to = other(from);
    if (!up_[to] || rng_.chance(loss_)) return;
    auto r = peers_[to].merge_encoded(wall(to), batch);
    REQUIRE(r.ok());
  }
  std::optional<PushPull> transmit(const Bytes& bytes) {
    if (rng_.chance(loss_)) return std::nullopt;
    auto d = decode_push_pull(bytes);
    REQUIRE(d.ok());
    return std::move(d).value();
  }

  TestRng rng_;
  int loss_;
  StoreConfig cfg_;
  std::vector<Store> peers_;
  std::vector<bool> up_;
  std::vector<std::int64_t> skew_;
  std::int64_t now_ = kT0;
  std::uint64_t rounds_ = 0;
  std::uint64_t push_pulls_ = 0;
  std::vector<Bytes> recorded_;
};

}  // namespace

TEST_CASE("store sim: 100 writes on random peers converge everywhere", "[store][sim]") {
  const int loss = GENERATE(0, 20);
  const std::uint64_t seed = GENERATE(101, 202);
  INFO("loss " << loss << "% seed " << seed);
  Sim sim(16, loss, seed);
  std::map<std::string, Entry> expected;  // the highest version written per key
  for (int w = 0; w < 100; ++w) {
    const int p = static_cast<int>(sim.rng().below(16));
    std::string key = "spec/s";
    key += std::to_string(sim.rng().below(30));
    Version v;
    if (sim.rng().chance(10)) {
      v = sim.peer(p).erase(sim.now(), key);
    } else {
      v = sim.peer(p).put(sim.now(), key, filled(1 + sim.rng().below(200), sim.rng().next()));
    }
    const Entry& e = *sim.peer(p).find(key);
    auto it = expected.find(key);
    if (it == expected.end() || it->second.version < v) expected[key] = e;
    if (w % 2 == 1) sim.round();
  }
  const int rounds = sim.run_until_converged(600);
  INFO("rounds to converge: " << rounds);
  REQUIRE(rounds >= 0);
  std::map<std::string, Entry, std::less<>> want(expected.begin(), expected.end());
  CHECK(sim.peer(0).entries() == want);
}

TEST_CASE("store sim: a 64 KiB value replicates at 20% loss", "[store][sim]") {
  const std::uint64_t seed = GENERATE(7, 8);
  INFO("seed " << seed);
  Sim sim(12, 20, seed);
  const Bytes big = filled(64 * 1024, seed);
  sim.peer(3).put(sim.now(), "status/p3", big);
  sim.peer(5).put(sim.now(), "spec/small", bytes_of("s"));
  CHECK(sim.peer(3).pending_oversized() == 1);
  REQUIRE(sim.run_until_converged(600) >= 0);
  for (int i = 0; i < sim.size(); ++i) {
    REQUIRE(sim.peer(i).get("status/p3") != nullptr);
    CHECK(*sim.peer(i).get("status/p3") == big);
  }
  // Packets never carried it: every recorded delta fits the 600-byte budget.
  for (const Bytes& b : sim.recorded()) CHECK(b.size() <= 600);
}

TEST_CASE("store sim: deletes converge and stay deleted when stale deltas arrive late",
          "[store][sim]") {
  const std::uint64_t seed = GENERATE(31, 32);
  INFO("seed " << seed);
  Sim sim(10, 20, seed);
  for (int k = 0; k < 20; ++k) {
    std::string key = "spec/k";
    key += std::to_string(k);
    sim.peer(k % 10).put(sim.now(), key, filled(50, k));
    sim.round();
  }
  REQUIRE(sim.run_until_converged(600) >= 0);
  std::vector<Bytes> stale = sim.recorded();  // every delta that carried a live value
  for (int k = 0; k < 20; k += 2) {
    std::string key = "spec/k";
    key += std::to_string(k);
    sim.peer((k + 3) % 10).erase(sim.now(), key);
  }
  REQUIRE(sim.run_until_converged(600) >= 0);
  // Replay all the old deltas, shuffled, to everyone: nothing deleted comes back.
  for (std::size_t i = stale.size(); i > 1; --i) std::swap(stale[i - 1], stale[sim.rng().below(i)]);
  for (int p = 0; p < sim.size(); ++p)
    for (const Bytes& b : stale) REQUIRE(sim.peer(p).merge_encoded(sim.now(), b).ok());
  for (int p = 0; p < sim.size(); ++p) {
    for (int k = 0; k < 20; ++k) {
      std::string key = "spec/k";
      key += std::to_string(k);
      INFO("peer " << p << " key " << key);
      if (k % 2 == 0) CHECK(sim.peer(p).get(key) == nullptr);
      else CHECK(sim.peer(p).get(key) != nullptr);
    }
  }
  CHECK(sim.converged());
}

TEST_CASE("store sim: a peer away longer than the TTL does not resurrect deleted keys",
          "[store][sim][pullfirst]") {
  const bool pull_first = GENERATE(true, false);
  INFO("pull-first " << pull_first);
  StoreConfig cfg = Sim::small_packets();
  Sim sim(6, 20, 99, cfg);
  sim.peer(1).put(sim.now(), "spec/doomed", bytes_of("d"));
  sim.peer(2).put(sim.now(), "spec/kept", bytes_of("k"));
  REQUIRE(sim.run_until_converged(600) >= 0);
  const Bytes saved = sim.peer(5).snapshot();  // peer 5 goes away with its disk
  sim.set_up(5, false);
  sim.peer(0).erase(sim.now(), "spec/doomed");
  for (int r = 0; r < 100; ++r) sim.round();
  sim.advance(cfg.tombstone_ttl_us + 3600 * kSecond);
  for (int p = 0; p < 5; ++p) {
    sim.peer(p).collect_garbage(sim.now());
    CHECK(sim.peer(p).find("spec/doomed") == nullptr);
  }
  // Peer 5 comes back from its persisted copy.
  auto restored = Store::restore(saved, "p5", cfg, sim.now(),
                                 pull_first ? HoldBack::automatic : HoldBack::never);
  REQUIRE(restored.ok());
  CHECK(restored->holding_back() == pull_first);
  sim.replace(5, std::move(restored).value());
  sim.set_up(5, true);
  // The joining peer pulls first (retried until one exchange completes), then gossips.
  while (sim.peer(5).holding_back()) sim.push_pull(5, static_cast<int>(sim.rng().below(5)));
  // Without pull-first the stale copy offers the deleted key again: every peer refuses it
  // against the collected tombstone's grave (the tombstone horizon), and a push-pull hands
  // peer 5 that tombstone, which it collects in turn.
  for (int r = 0; r < 100; ++r) sim.round();
  for (int p = 0; p < sim.size(); ++p) sim.peer(p).collect_garbage(sim.now());
  REQUIRE(sim.run_until_converged(600) >= 0);
  for (int p = 0; p < sim.size(); ++p) {
    INFO("peer " << p);
    CHECK(sim.peer(p).get("spec/kept") != nullptr);
    CHECK(sim.peer(p).get("spec/doomed") == nullptr);
  }
  std::uint64_t refused = 0;
  for (int p = 0; p < 5; ++p) refused += sim.peer(p).stats().refused_expired;
  CHECK((refused > 0) == !pull_first);
}

TEST_CASE("store sim: a peer restarted without its disk writes versions that win",
          "[store][sim][restart]") {
  const std::uint64_t seed = GENERATE(41, 42);
  INFO("seed " << seed);
  Sim sim(8, 20, seed);
  sim.set_skew(7, 5 * kSecond);  // within max_clock_skew: accepted, and pushes clocks ahead
  sim.peer(7).put(sim.wall(7), "spec/x", bytes_of("x"));
  REQUIRE(sim.run_until_converged(600) >= 0);
  sim.peer(2).put(sim.wall(2), "status/p2", bytes_of("old life"));  // HLC ~5 s ahead of wall
  const Version old = *sim.peer(2).version_of("status/p2");
  CHECK(Hlc::physical_us(old.hlc) > sim.wall(2));
  REQUIRE(sim.run_until_converged(600) >= 0);
  // Crash, restart without the disk one second later, and write at once, before learning.
  sim.advance(kSecond);
  sim.replace(2, Store("p2", Sim::small_packets()));
  const Version fresh = sim.peer(2).put(sim.wall(2), "status/p2", bytes_of("new life"));
  CHECK(fresh < old);
  REQUIRE(sim.run_until_converged(600) >= 0);
  for (int p = 0; p < sim.size(); ++p) {
    INFO("peer " << p);
    REQUIRE(sim.peer(p).get("status/p2") != nullptr);
    CHECK(*sim.peer(p).get("status/p2") == bytes_of("new life"));
    CHECK(old < *sim.peer(p).version_of("status/p2"));
  }
}

TEST_CASE("store sim: a peer whose clock runs 1 h ahead cannot lock out later writes",
          "[store][sim][skew]") {
  Sim sim(8, 20, 55);
  sim.set_skew(0, 3600 * kSecond);
  sim.peer(0).put(sim.wall(0), "spec/web", bytes_of("runaway"));
  for (int r = 0; r < 50; ++r) sim.round();
  sim.peer(4).put(sim.wall(4), "spec/web", bytes_of("later"));
  for (int r = 0; r < 300; ++r) sim.round();
  std::uint64_t refused = 0;
  for (int p = 1; p < sim.size(); ++p) {
    INFO("peer " << p);
    REQUIRE(sim.peer(p).get("spec/web") != nullptr);
    CHECK(*sim.peer(p).get("spec/web") == bytes_of("later"));
    refused += sim.peer(p).stats().refused_skew;
  }
  CHECK(refused > 0);
}
