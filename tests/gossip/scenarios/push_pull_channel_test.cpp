// Push-pull and state sync only on the stream channel, answered on the connection they came
// in on (Datagram::reply), at most at the per-host rate (ReplyLimiter), on virtual time.
#include <catch2/catch.hpp>

#include <string>

#include "gossip/engine.hpp"
#include "gossip/reply_limiter.hpp"
#include "gossip/wire.hpp"
#include "hand_fed.hpp"
#include "sim_net.hpp"

using namespace shoal::gossip;
using shoal::gossip::testing::kHandWall;
using shoal::gossip::testing::lan;

namespace {

Bytes push_pull_request(const std::string& name, const Address& addr) {
  wire::PushPull pp;
  pp.join = true;
  wire::MemberRecord r;
  r.name = name;
  r.addr = addr;
  r.incarnation = 1;
  pp.members.push_back(r);
  return wire::encode(pp);
}

struct ListenerFixture {
  Engine e{Identity{"me", Address{"10.0.0.200", 7950}, 0, {}}, lan(), 7};
  Outbox out;
  ListenerFixture() { e.join(Clock{0, kHandWall}, {}, out); out.clear(); }
  void feed(Micros t, const Address& from, Channel ch, const Bytes& b) {
    e.handle_packet(Clock{t, kHandWall + t}, from, ch, b, out);
  }
};

}  // namespace

TEST_CASE("reply limiter: a burst, then one per interval, per host") {
  ReplyLimiter l(3, 100 * kMillis);
  for (int i = 0; i < 3; ++i) CHECK(l.allow(0, "a"));
  CHECK_FALSE(l.allow(0, "a"));
  CHECK(l.allow(0, "b"));  // another host has its own bucket
  CHECK_FALSE(l.allow(99 * kMillis, "a"));
  CHECK(l.allow(100 * kMillis, "a"));
  CHECK_FALSE(l.allow(100 * kMillis, "a"));
  // Quiet long enough, the whole burst is back (not more).
  for (int i = 0; i < 3; ++i) CHECK(l.allow(10 * kSeconds, "a"));
  CHECK_FALSE(l.allow(10 * kSeconds, "a"));
}

TEST_CASE("reply limiter: hosts tracked are bounded, refilled ones make room") {
  ReplyLimiter l(1, kSeconds, 2);
  CHECK(l.allow(0, "a"));
  CHECK(l.allow(0, "b"));
  CHECK_FALSE(l.allow(0, "c"));  // both tracked hosts still limited: a new one waits
  CHECK(l.tracked() == 2);
  CHECK(l.allow(kSeconds, "c"));  // a and b are full again: forgotten
  CHECK(l.tracked() == 1);
}

TEST_CASE("a push-pull over udp is dropped and counted, never answered") {
  ListenerFixture f;
  const Address src{"192.0.2.9", 4444};  // a spoofable source
  f.feed(1000, src, Channel::udp, push_pull_request("p1", Address{"10.0.0.1", 7950}));
  CHECK(f.e.stats().stream_only_dropped == 1);
  CHECK(f.out.sends.empty());
  CHECK(f.e.member("p1") == nullptr);  // its records are not taken in either
  f.feed(2000, src, Channel::udp, wire::encode(wire::StateSync{Store("x").encode_request()}));
  CHECK(f.e.stats().stream_only_dropped == 2);
  CHECK(f.out.sends.empty());
}

TEST_CASE("a push-pull over the stream is answered as a reply on its connection") {
  ListenerFixture f;
  const Address conn{"10.0.0.1", 51234};  // the inbound connection's remote endpoint
  f.feed(1000, conn, Channel::stream, push_pull_request("p1", Address{"10.0.0.1", 7950}));
  REQUIRE(f.out.sends.size() == 1);
  const Datagram& d = f.out.sends[0];
  CHECK(d.to == conn);
  CHECK(d.channel == Channel::stream);
  CHECK(d.reply);
  std::vector<wire::Message> msgs;
  REQUIRE(wire::decode(d.bytes, msgs));
  const auto* pp = std::get_if<wire::PushPull>(&msgs.at(0));
  REQUIRE(pp);
  CHECK(pp->reply);
  CHECK(f.e.member("p1") != nullptr);
}

TEST_CASE("push-pull answers are rate-limited per source host") {
  ListenerFixture f;
  const int burst = f.e.config().push_pull_reply_burst;
  const Micros interval = f.e.config().push_pull_reply_interval;
  auto answers = [&] {
    std::size_t n = 0;
    for (const auto& d : f.out.sends) n += d.reply;
    f.out.clear();
    return n;
  };
  const Bytes req = push_pull_request("p1", Address{"10.0.0.1", 7950});
  for (int i = 0; i < burst + 10; ++i)
    f.feed(1000, Address{"10.0.0.66", static_cast<std::uint16_t>(40000 + i)}, Channel::stream, req);
  CHECK(answers() == static_cast<std::size_t>(burst));
  CHECK(f.e.stats().push_pulls_limited == 10);
  f.feed(1000, Address{"10.0.0.67", 40000}, Channel::stream, req);  // another host
  CHECK(answers() == 1);
  f.feed(1000 + interval, Address{"10.0.0.66", 40000}, Channel::stream, req);
  CHECK(answers() == 1);  // one more per interval
  f.feed(1000 + interval, Address{"10.0.0.66", 40001}, Channel::stream, req);
  CHECK(answers() == 0);
}
