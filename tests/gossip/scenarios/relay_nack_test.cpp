// Lifeguard's nacks: a peer relaying an indirect ping (with `nack` set) answers the requester
// with a Nack when the target stays silent for probe_timeout, and forwards the Ack instead when
// the target answers. The requester counts missing nacks against its own health.
#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <variant>

#include "gossip/engine.hpp"
#include "gossip/wire.hpp"

using namespace shoal::gossip;

namespace {

const Address kRequester{"10.0.0.1", 7950};
const Address kTarget{"10.0.0.3", 7950};

std::unique_ptr<Engine> relay(Clock now) {
  auto e = std::make_unique<Engine>(Identity{"b", Address{"10.0.0.2", 7950}, 0, {}},
                                    *Config::for_profile("lan"), 3);
  Outbox out;
  e->join(now, {}, out);
  return e;
}

// The messages of every UDP datagram `out` sends to `to`.
std::vector<wire::Message> sent_to(const Outbox& out, const Address& to) {
  std::vector<wire::Message> all;
  for (const auto& d : out.sends) {
    if (d.to != to || d.channel != Channel::udp) continue;
    std::vector<wire::Message> msgs;
    REQUIRE(wire::decode(d.bytes, msgs));
    all.insert(all.end(), msgs.begin(), msgs.end());
  }
  return all;
}

// The first message of type T (a copy: the caller's vector may be a temporary).
template <class T>
std::optional<T> find(const std::vector<wire::Message>& msgs) {
  for (const auto& m : msgs)
    if (const auto* x = std::get_if<T>(&m)) return *x;
  return std::nullopt;
}

}  // namespace

TEST_CASE("relay: a silent target is nacked to the requester after probe_timeout",
          "[gossip][lifeguard][nack]") {
  Clock now{1'000'000, 1'767'225'600'000'000};
  auto b = relay(now);
  Outbox out;
  b->handle_packet(now, kRequester, Channel::udp,
                   wire::encode(wire::IndirectPing{42, "c", kTarget, true, "a"}), out);
  const auto ping = find<wire::Ping>(sent_to(out, kTarget));
  REQUIRE(ping);  // the relay probes the target for the requester
  CHECK_FALSE(find<wire::Nack>(sent_to(out, kRequester)).has_value());
  out.clear();
  const Micros timeout = b->config().probe_timeout;
  Clock later{now.mono + timeout - 1, now.wall + timeout - 1};
  b->handle_tick(later, out);
  CHECK_FALSE(find<wire::Nack>(sent_to(out, kRequester)).has_value());  // not before the timeout
  out.clear();
  Clock after{now.mono + timeout, now.wall + timeout};
  b->handle_tick(after, out);
  const auto nack = find<wire::Nack>(sent_to(out, kRequester));
  REQUIRE(nack);
  CHECK(nack->seq == 42);
  out.clear();
  b->handle_tick(Clock{after.mono + timeout, after.wall + timeout}, out);
  CHECK_FALSE(find<wire::Nack>(sent_to(out, kRequester)).has_value());  // once
}

TEST_CASE("relay: a target that answers is acked to the requester, never nacked",
          "[gossip][lifeguard][nack]") {
  Clock now{1'000'000, 1'767'225'600'000'000};
  auto b = relay(now);
  Outbox out;
  b->handle_packet(now, kRequester, Channel::udp,
                   wire::encode(wire::IndirectPing{7, "c", kTarget, true, "a"}), out);
  const auto ping = find<wire::Ping>(sent_to(out, kTarget));
  REQUIRE(ping);
  const std::uint32_t relay_seq = ping->seq;
  out.clear();
  b->handle_packet(now, kTarget, Channel::udp, wire::encode(wire::Ack{relay_seq}), out);
  const auto ack = find<wire::Ack>(sent_to(out, kRequester));
  REQUIRE(ack);
  CHECK(ack->seq == 7);
  out.clear();
  const Micros timeout = b->config().probe_timeout;
  b->handle_tick(Clock{now.mono + 2 * timeout, now.wall + 2 * timeout}, out);
  CHECK_FALSE(find<wire::Nack>(sent_to(out, kRequester)).has_value());
}

TEST_CASE("relay: without `nack` a silent target gets no nack", "[gossip][lifeguard][nack]") {
  Clock now{1'000'000, 1'767'225'600'000'000};
  auto b = relay(now);
  Outbox out;
  b->handle_packet(now, kRequester, Channel::udp,
                   wire::encode(wire::IndirectPing{9, "c", kTarget, false, "a"}), out);
  out.clear();
  const Micros timeout = b->config().probe_timeout;
  b->handle_tick(Clock{now.mono + 2 * timeout, now.wall + 2 * timeout}, out);
  CHECK_FALSE(find<wire::Nack>(sent_to(out, kRequester)).has_value());
}
