#include "sim/network.hpp"

namespace shoal::sim {

namespace {
constexpr std::size_t kFrozenBuffer = 512;  // packets a stopped peer's sockets hold

LinkModel link_model(const Experiment& x) {
  LinkModel m;
  m.latency_min = x.latency_min;
  m.latency_max = x.latency_max;
  m.stream_latency_factor = x.stream_latency_factor;
  m.loss = x.loss;
  m.duplicate = x.duplicate;
  m.stream_loss = x.stream_loss;
  return m;
}
}  // namespace

Network::Network(const Experiment& x, std::uint64_t seed, EventQueue& queue, const Peers& peers)
    : queue_(queue), peers_(peers), fate_(link_model(x), seed) {}

void Network::peer_added() {
  fate_.peer_added();
  slow_delay_.push_back(0);
  buffered_.emplace_back();
}

void Network::send(std::uint32_t i, std::vector<gossip::Datagram>& sends) {
  for (auto& d : sends) {
    ++msgs_;
    if (d.channel == gossip::Channel::udp) ++udp_msgs_;
    bytes_ += d.bytes.size();
    const auto to = peers_.at_addr(d.to);
    if (!to) continue;
    const std::uint32_t j = *to;
    const Fate fate = fate_.decide(i, j, d.channel, queue_.now(), d.reply);
    for (int c = 0; c < fate.copies; ++c) {
      Ev e;
      e.time = queue_.now() + fate.delay[c];
      e.kind = Ev::deliver;
      e.channel = d.channel;
      e.peer = j;
      e.from = i;
      e.gen = peers_[j].gen;
      e.bytes = c + 1 == fate.copies ? std::move(d.bytes) : d.bytes;
      queue_.push(std::move(e));
    }
  }
}

bool Network::arrive(Ev& ev) {
  const SimPeer& p = peers_[ev.peer];
  if (!p.up || ev.gen != p.gen || !p.peer) return false;
  if (p.frozen) {
    auto& buf = buffered_[ev.peer];
    if (buf.size() < kFrozenBuffer) buf.push_back({ev.from, ev.channel, std::move(ev.bytes)});
    return false;
  }
  const Micros slow = slow_delay_[ev.peer];
  if (slow > 0 && !ev.slowed) {
    ev.slowed = true;
    ev.time = queue_.now() + slow;
    queue_.push(std::move(ev));
    return false;
  }
  return true;
}

std::vector<Network::Buffered> Network::take_buffered(std::uint32_t i) {
  auto buf = std::move(buffered_[i]);
  buffered_[i].clear();
  return buf;
}

}  // namespace shoal::sim
