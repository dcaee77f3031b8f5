// Confirmations shorten a suspicion (Lifeguard): when enough arrive late, start + the shortened
// timeout is already past. That is a verdict due now, not a stall of ours: the member is declared
// dead at once, and no stall is counted (a stall re-arms every suspicion and
// costs health).
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "gossip/engine.hpp"
#include "gossip/suspicion.hpp"
#include "gossip/wire.hpp"
#include "hand_fed.hpp"
#include "sim_net.hpp"  // lan()

using namespace shoal::gossip;
using namespace shoal::gossip::testing;

namespace {

// Ticks `e` at each of its deadlines from `now` up to `until`, as a host does (a deadline
// already past is run now).
void run_until(Engine& e, Micros now, Micros until) {
  Outbox out;
  for (Micros d = e.next_deadline(); d <= until; d = e.next_deadline()) {
    now = std::max(now, d);
    out.clear();
    e.handle_tick(at(now), out);
  }
}

void suspect(Engine& e, Micros t, const std::string& who, int by) {
  Outbox out;
  e.handle_packet(at(t), addr(by), Channel::udp,
                  wire::encode(wire::Suspect{who, 1, "p" + std::to_string(by)}), out);
}

}  // namespace

TEST_CASE("suspicion: confirmations that move the deadline into the past are not a stall") {
  const Config cfg = lan();
  Engine e{Identity{"p0", addr(100), 0, {}}, cfg, 3};
  Outbox out;
  e.join(at(0), {}, out);
  for (int i = 1; i <= 20; ++i)
    e.handle_packet(at(kMillis), addr(i), Channel::udp,
                    wire::encode(wire::Alive{"p" + std::to_string(i), addr(i), 1, {}, 0}), out);
  const std::size_t n = 21;
  const Micros min = suspicion_min_timeout(cfg.suspicion_mult, n, cfg.probe_interval);
  const Micros max = min * cfg.suspicion_max_mult;
  const int k = suspicion_k(cfg.suspicion_mult, n);
  REQUIRE(max > min + 5 * kSeconds);
  // p1 suspects p3 at 1 s.
  suspect(e, kSeconds, "p3", 1);
  // 3 s past p3's shortest timeout, every confirmation it needs arrives at once.
  const Micros late = kSeconds + min + 3 * kSeconds;
  run_until(e, kSeconds, late);
  REQUIRE(e.member("p3")->state == MemberState::suspect);
  for (int i = 0; i < k; ++i) suspect(e, late, "p3", 4 + i);
  CHECK(e.next_deadline() >= late);  // due now, not 3 s ago
  run_until(e, late, late + 100 * kMillis);
  CHECK(e.member("p3")->state == MemberState::dead);
  CHECK(e.stats().stalls == 0);
}
