// Lifeguard's buddy system: a probe of a member we hold suspect carries the suspicion in the
// same packet, so the suspect can refute at once; a probe of an alive member carries none.
#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <variant>

#include "gossip/engine.hpp"
#include "gossip/wire.hpp"

using namespace shoal::gossip;

namespace {

const Address kC{"10.0.0.3", 7950};

struct Probed {
  bool ping = false;
  std::optional<wire::Suspect> suspect;  // the buddy part: our own suspicion of c
  bool any_suspect = false;              // any suspicion of c (piggybacked ones included)
};

// Ticks `a` (100 ms steps, up to 10 s) until a packet pings `c`; what that packet held.
Probed first_probe_of_c(Engine& a, Clock& now) {
  for (int k = 0; k < 100; ++k) {
    now.mono += 100'000;
    now.wall += 100'000;
    Outbox out;
    a.handle_tick(now, out);
    for (const auto& d : out.sends) {
      if (d.to != kC || d.channel != Channel::udp) continue;
      std::vector<wire::Message> msgs;
      REQUIRE(wire::decode(d.bytes, msgs));
      Probed p;
      for (const auto& m : msgs) {
        if (const auto* ping = std::get_if<wire::Ping>(&m); ping && ping->target == "c") p.ping = true;
        if (const auto* s = std::get_if<wire::Suspect>(&m); s && s->name == "c") {
          p.any_suspect = true;
          if (s->from == "a") p.suspect = *s;
        }
      }
      if (p.ping) return p;
    }
  }
  FAIL("no probe of c within 10 s");
  return {};
}

std::unique_ptr<Engine> engine_knowing_c(Clock now) {
  auto a = std::make_unique<Engine>(Identity{"a", Address{"10.0.0.1", 7950}, 0, {}},
                                    *Config::for_profile("lan"), 5);
  Outbox out;
  a->join(now, {}, out);
  wire::Alive alive{"c", kC, 1, {}, 0};
  a->handle_packet(now, kC, Channel::udp, wire::encode(alive), out);
  REQUIRE(a->members().count("c") == 1);
  return a;
}

}  // namespace

TEST_CASE("buddy system: a probe of a suspect carries the suspicion, of an alive member none",
          "[gossip][lifeguard][buddy]") {
  Clock now{1'000'000, 1'767'225'600'000'000};
  SECTION("alive") {
    auto a = engine_knowing_c(now);
    const Probed p = first_probe_of_c(*a, now);
    CHECK_FALSE(p.any_suspect);
  }
  SECTION("suspect") {
    auto a = engine_knowing_c(now);
    Outbox out;
    a->handle_packet(now, Address{"10.0.0.4", 7950}, Channel::udp,
                     wire::encode(wire::Suspect{"c", 1, "d"}), out);
    REQUIRE(a->members().at("c").state == MemberState::suspect);
    const Probed p = first_probe_of_c(*a, now);
    REQUIRE(p.suspect.has_value());
    CHECK(p.suspect->incarnation == 1);
  }
}
