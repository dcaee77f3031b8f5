// The simulated network: partitions (two-way, one-way, and their record after healing), loss
// only on UDP, slow peers' packets queued once more, frozen peers' bounded buffers.
#include <catch2/catch.hpp>

#include <memory>

#include "sim/network.hpp"

using namespace shoal;
using namespace shoal::sim;

namespace {

struct Net {
  Experiment x;
  EventQueue queue;
  Peers peers;
  std::unique_ptr<Network> net;

  explicit Net(int n, double loss = 0) {
    x.latency_min = x.latency_max = 2 * gossip::kMillis;
    x.loss = loss;
    net = std::make_unique<Network>(x, 42, queue, peers);
    auto interner = std::make_shared<gossip::Interner>();
    for (int i = 0; i < n; ++i) {
      SimPeer p;
      p.name = "p" + std::to_string(i);
      p.addr = gossip::Address{"10.0.0." + std::to_string(i), 7950};
      p.up = p.started = true;
      p.peer = std::make_unique<shoal::node::Peer>(gossip::Identity{p.name, p.addr, 0, p.meta},
                                                   gossip::Config{}, 1, 0, shoal::node::PeerTiming{},
                                                   interner);
      peers.add(std::move(p));
      net->peer_added();
    }
  }
  // Sends one datagram i -> j; the deliver events queued since.
  std::vector<Ev> send(std::uint32_t i, std::uint32_t j, gossip::Channel ch = gossip::Channel::udp) {
    std::vector<gossip::Datagram> out(1);
    out[0].to = peers[j].addr;
    out[0].channel = ch;
    out[0].bytes = gossip::Bytes(10, std::byte{7});
    net->send(i, out);
    std::vector<Ev> got;
    while (!queue.empty()) got.push_back(queue.pop());
    return got;
  }
};

}  // namespace

TEST_CASE("network: a partition cuts both ways, a one-way one only from lower to higher groups") {
  Net n(3);
  CHECK(n.send(0, 2).size() == 1);
  n.net->partition({0, 0, 1}, false);
  CHECK(n.send(0, 1).size() == 1);
  CHECK(n.send(0, 2).empty());
  CHECK(n.send(2, 0).empty());
  n.net->heal();
  n.net->partition({0, 0, 1}, true);
  CHECK(n.send(0, 2).empty());
  CHECK(n.send(2, 0).size() == 1);
  CHECK(n.net->msgs() == 6);  // counted when sent, delivered or not
}

TEST_CASE("network: a healed partition is remembered for the grace the checker gives it") {
  Net n(3);
  n.net->partition({0, 1, 1}, false);
  n.queue.set_now(10 * gossip::kSeconds);
  n.net->heal();
  CHECK_FALSE(n.net->blocked(0, 1));
  n.queue.set_now(12 * gossip::kSeconds);
  CHECK(n.net->split_recently(0, 1, 5 * gossip::kSeconds));
  CHECK_FALSE(n.net->split_recently(1, 2, 5 * gossip::kSeconds));  // same group
  n.queue.set_now(16 * gossip::kSeconds);
  CHECK_FALSE(n.net->split_recently(0, 1, 5 * gossip::kSeconds));
}

TEST_CASE("network: loss drops datagrams, never stream messages, which are slower") {
  Net n(2, 1.0);
  CHECK(n.send(0, 1).empty());
  auto s = n.send(0, 1, gossip::Channel::stream);
  REQUIRE(s.size() == 1);
  CHECK(s[0].time == 2 * gossip::kMillis * n.x.stream_latency_factor);
  CHECK(s[0].from == 0);
  CHECK(s[0].bytes.size() == 10);
}

TEST_CASE("network: a slow peer gets each packet once more that late, a frozen one buffers 512") {
  Net n(2);
  auto ev = n.send(0, 1);
  REQUIRE(ev.size() == 1);
  n.net->set_slow(1, 300 * gossip::kMillis);
  const Micros arrived = ev[0].time;
  n.queue.set_now(arrived);
  CHECK_FALSE(n.net->arrive(ev[0]));  // queued again
  Ev again = n.queue.pop();
  CHECK(again.time == arrived + 300 * gossip::kMillis);
  CHECK(n.net->arrive(again));  // once only
  n.net->set_slow(1, 0);

  n.peers[1].frozen = true;
  for (int k = 0; k < 600; ++k) {
    auto e = n.send(0, 1);
    REQUIRE(e.size() == 1);
    CHECK_FALSE(n.net->arrive(e[0]));
  }
  CHECK(n.net->take_buffered(1).size() == 512);
  CHECK(n.net->take_buffered(1).empty());

  auto stale = n.send(0, 1);
  n.peers[1].frozen = false;
  ++n.peers[1].gen;  // it crashed and restarted since the packet left
  CHECK_FALSE(n.net->arrive(stale[0]));
}
