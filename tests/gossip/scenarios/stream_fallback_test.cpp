// When a direct probe gets no ack within probe_timeout, the prober asks relays (indirect pings)
// and, with stream_ping (the default), pings the target over the stream channel too, so a
// member whose UDP is lost but whose TCP works is not declared dead. An ack over the stream
// channel ends the probe: the target stays alive.
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <variant>

#include "gossip/engine.hpp"
#include "gossip/wire.hpp"

using namespace shoal::gossip;

namespace {

const Address kThird{"10.0.0.3", 7950};
const Address kPeerB{"10.0.0.2", 7950};

std::unique_ptr<Engine> engine_knowing(Clock now, bool stream_ping) {
  Config cfg = *Config::for_profile("lan");
  cfg.stream_ping = stream_ping;
  auto a = std::make_unique<Engine>(Identity{"a", Address{"10.0.0.1", 7950}, 0, {}}, cfg, 5);
  Outbox out;
  a->join(now, {}, out);
  a->handle_packet(now, kThird, Channel::udp, wire::encode(wire::Alive{"c", kThird, 1, {}, 0}), out);
  a->handle_packet(now, kPeerB, Channel::udp, wire::encode(wire::Alive{"b", kPeerB, 1, {}, 0}), out);
  REQUIRE(a->members().size() == 3);
  return a;
}

// The seq of a Ping to `target` in `d`, or 0.
std::uint32_t ping_seq(const Datagram& d, const std::string& target) {
  std::vector<wire::Message> msgs;
  if (!wire::decode(d.bytes, msgs)) return 0;
  for (const auto& m : msgs)
    if (const auto* p = std::get_if<wire::Ping>(&m); p && p->target == target) return p->seq;
  return 0;
}

// Ticks until `a` sends c a UDP ping (its direct probe); returns the probe's seq.
std::uint32_t direct_probe_of_c(Engine& a, Clock& now) {
  for (int k = 0; k < 200; ++k) {
    now.mono += 50'000;
    now.wall += 50'000;
    Outbox out;
    a.handle_tick(now, out);
    for (const auto& d : out.sends)
      if (d.to == kThird && d.channel == Channel::udp)
        if (auto s = ping_seq(d, "c")) return s;
  }
  return 0;
}

}  // namespace

TEST_CASE("probe: no direct ack, the target is pinged over the stream channel too",
          "[gossip][probe][stream]") {
  Clock now{1'000'000, 1'767'225'600'000'000};
  auto a = engine_knowing(now, true);
  const std::uint32_t seq = direct_probe_of_c(*a, now);
  REQUIRE(seq != 0);
  Outbox out;
  now.mono += a->config().probe_timeout;
  now.wall += a->config().probe_timeout;
  a->handle_tick(now, out);
  bool stream_ping = false, indirect = false;
  for (const auto& d : out.sends) {
    if (d.to == kThird && d.channel == Channel::stream) stream_ping |= ping_seq(d, "c") == seq;
    if (d.to == kPeerB && d.channel == Channel::udp) {
      std::vector<wire::Message> msgs;
      REQUIRE(wire::decode(d.bytes, msgs));
      for (const auto& m : msgs)
        if (const auto* ip = std::get_if<wire::IndirectPing>(&m); ip && ip->target == "c")
          indirect = true;
    }
  }
  CHECK(stream_ping);
  CHECK(indirect);
  // The probe ends at max(start + interval, now + 1.5 timeout): past that, an unanswered probe
  // has made c suspect, an answered one has not (the next probe has not timed out yet).
  const Micros timeout = a->config().probe_timeout;
  const Micros start = now.mono - timeout;
  const Micros end = std::max(start + a->config().probe_interval, now.mono + timeout * 3 / 2) + 1;
  const Clock past{end, now.wall + (end - now.mono)};
  SECTION("answered over the stream channel alone: c stays alive") {
    out.clear();
    a->handle_packet(now, kThird, Channel::stream, wire::encode(wire::Ack{seq}), out);
    out.clear();
    a->handle_tick(past, out);
    CHECK(a->members().at("c").state == MemberState::alive);
  }
  SECTION("unanswered: c is suspect") {
    out.clear();
    a->handle_tick(past, out);
    CHECK(a->members().at("c").state == MemberState::suspect);
  }
}

TEST_CASE("probe: with stream_ping off, no ping goes over the stream channel",
          "[gossip][probe][stream]") {
  Clock now{1'000'000, 1'767'225'600'000'000};
  auto a = engine_knowing(now, false);
  REQUIRE(direct_probe_of_c(*a, now) != 0);
  Outbox out;
  now.mono += a->config().probe_timeout;
  now.wall += a->config().probe_timeout;
  a->handle_tick(now, out);
  for (const auto& d : out.sends) CHECK_FALSE((d.to == kThird && d.channel == Channel::stream));
}
