#include "sim/packet_fate.hpp"

#include <algorithm>

namespace shoal::sim {

void PacketFate::peer_added() {
  group_.push_back(partitioned_ && !group_.empty() ? *std::max_element(group_.begin(), group_.end())
                                                   : 0);
}

bool PacketFate::chance(double p) {
  return rng_.below(1'000'000) < static_cast<std::uint64_t>(p * 1e6);
}

Micros PacketFate::retransmits(Micros rto) {
  Micros waited = 0;
  while (waited < kStreamIdle && chance(model_.loss)) {
    waited += rto;
    rto *= 2;
  }
  return waited;
}

Micros PacketFate::stream_delay(std::uint32_t opener, std::uint32_t peer, Micros now, Micros lat) {
  Connection& c = connections_[{opener, peer}];
  if (c.last_used == 0 || now - c.last_used > kStreamIdle) {  // SYN, SYN-ACK, then the data
    const Micros one_way = std::max<Micros>(1, lat / std::max(1, model_.stream_latency_factor));
    c.established = now + retransmits(kRtoSyn) + one_way + retransmits(kRtoSyn) + one_way;
  }
  c.last_used = now;
  return std::max(now, c.established) - now + lat + retransmits(kRtoMin);
}

Fate PacketFate::decide(std::uint32_t from, std::uint32_t to, gossip::Channel channel, Micros now,
                        bool reply) {
  Fate f;
  if (blocked(from, to)) return f;
  Micros lat = rng_.between(model_.latency_min, model_.latency_max);
  const bool udp = channel == gossip::Channel::udp;
  if (udp && model_.loss > 0 && chance(model_.loss)) return f;
  if (!udp) lat *= model_.stream_latency_factor;
  if (!udp && model_.stream_loss && model_.loss > 0) {
    lat = reply ? stream_delay(to, from, now, lat) : stream_delay(from, to, now, lat);
    if (lat >= kStreamIdle) return f;  // the connection's deadline closed it first
  }
  f.copies = 1;
  f.delay[0] = lat;
  if (udp && model_.duplicate > 0 && chance(model_.duplicate)) {
    f.copies = 2;
    f.delay[1] = rng_.between(model_.latency_min, model_.latency_max);
  }
  return f;
}

void PacketFate::partition(std::vector<int> groups, bool oneway) {
  group_ = std::move(groups);
  partitioned_ = true;
  oneway_ = oneway;
}

void PacketFate::heal(Micros now) {
  partitions_.push_back(PartitionRecord{group_, now});
  partitioned_ = false;
  std::fill(group_.begin(), group_.end(), 0);
}

bool PacketFate::blocked(std::uint32_t a, std::uint32_t b) const {
  if (!partitioned_ || a >= group_.size() || b >= group_.size()) return false;  // not in it
  const int ga = group_[a], gb = group_[b];
  if (ga == gb) return false;
  return oneway_ ? ga < gb : true;
}

bool PacketFate::split_recently(std::uint32_t a, std::uint32_t b, Micros now,
                                Micros grace) const {
  for (const auto& r : partitions_) {
    if (now - r.end > grace) continue;
    if (a < r.groups.size() && b < r.groups.size() && r.groups[a] != r.groups[b]) return true;
  }
  return false;
}

}  // namespace shoal::sim
