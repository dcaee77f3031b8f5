#include "sim/network.hpp"

#include <algorithm>

namespace shoal::sim {

namespace {
constexpr std::size_t kFrozenBuffer = 512;  // packets a stopped peer's sockets hold
}  // namespace

Network::Network(const Experiment& x, std::uint64_t seed, EventQueue& queue, const Peers& peers)
    : x_(x), queue_(queue), peers_(peers), rng_(std::make_unique<gossip::Rng>(seed)) {}

void Network::peer_added() {
  // A peer joining during a partition lands in the last group.
  group_.push_back(partitioned_ ? *std::max_element(group_.begin(), group_.end()) : 0);
  slow_delay_.push_back(0);
  buffered_.emplace_back();
}

bool Network::chance(double p) {
  return rng_->below(1'000'000) < static_cast<std::uint64_t>(p * 1e6);
}

void Network::send(std::uint32_t i, std::vector<gossip::Datagram>& sends) {
  for (auto& d : sends) {
    ++msgs_;
    if (d.channel == gossip::Channel::udp) ++udp_msgs_;
    bytes_ += d.bytes.size();
    const auto to = peers_.at_addr(d.to);
    if (!to) continue;
    const std::uint32_t j = *to;
    if (blocked(i, j)) continue;
    Micros lat = rng_->between(x_.latency_min, x_.latency_max);
    if (d.channel == gossip::Channel::udp) {
      if (x_.loss > 0 && chance(x_.loss)) continue;
    } else {
      lat *= x_.stream_latency_factor;
    }
    int copies = 1;
    if (d.channel == gossip::Channel::udp && x_.duplicate > 0 && chance(x_.duplicate)) copies = 2;
    for (int c = 0; c < copies; ++c) {
      Ev e;
      e.time = queue_.now() + (c == 0 ? lat : rng_->between(x_.latency_min, x_.latency_max));
      e.kind = Ev::deliver;
      e.channel = d.channel;
      e.peer = j;
      e.from = i;
      e.gen = peers_[j].gen;
      e.bytes = c + 1 == copies ? std::move(d.bytes) : d.bytes;
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

void Network::partition(std::vector<int> groups, bool oneway) {
  group_ = std::move(groups);
  partitioned_ = true;
  oneway_ = oneway;
}

void Network::heal() {
  partitions_.push_back(PartitionRecord{group_, oneway_, queue_.now()});
  partitioned_ = false;
  std::fill(group_.begin(), group_.end(), 0);
}

bool Network::blocked(std::uint32_t a, std::uint32_t b) const {
  if (!partitioned_) return false;
  const int ga = group_[a], gb = group_[b];
  if (ga == gb) return false;
  return oneway_ ? ga < gb : true;
}

bool Network::split_recently(std::uint32_t a, std::uint32_t b, Micros grace) const {
  for (const auto& r : partitions_) {
    if (queue_.now() - r.end > grace) continue;
    if (a < r.groups.size() && b < r.groups.size() && r.groups[a] != r.groups[b]) return true;
  }
  return false;
}

}  // namespace shoal::sim
