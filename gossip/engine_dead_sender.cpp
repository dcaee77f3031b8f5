// A member we hold dead that sends us a datagram is told so. After a partition heals, the
// others may hold the cut-off peer dead at the incarnation it still has (every copy of the claim
// was lost in the partition), so its packets, alive at that incarnation, cannot undo the claim;
// and it may hold them alive, so it neither probes us from a health it lost in the partition
// soon enough nor expects anything. Its first ping, ack or gossip packet from its own address
// now gets the dead claim back, which it refutes at once (an incarnation above ours).
#include "gossip/engine.hpp"

#include "gossip/digest.hpp"
#include "gossip/wire.hpp"

namespace shoal::gossip {

namespace {

std::uint64_t addr_key(std::string_view host, std::uint16_t port) { return digest64(host, port); }

}  // namespace

void Engine::index_dead(std::uint32_t slot, bool add) {
  const Address& a = addr_of(slots_[slot]);
  const std::uint64_t key = addr_key(a.host, a.port);
  if (add) {
    dead_at_.emplace(key, slot);
    return;
  }
  auto [it, end] = dead_at_.equal_range(key);
  for (; it != end; ++it)
    if (it->second == slot) {
      dead_at_.erase(it);
      return;
    }
}

void Engine::tell_dead_sender(Clock now, const Address& from, Outbox& out) {
  if (leaving_) return;
  auto [it, end] = dead_at_.equal_range(addr_key(from.host, from.port));
  for (; it != end; ++it) {
    const Slot& s = slots_[it->second];
    if (s.state() != MemberState::dead || addr_of(s) != from) continue;  // a hash collision
    const std::string& name = name_of(s);
    if (!once_per_probe(dead_told_, name, now.mono)) continue;
    ++stats_.dead_told;
    send_udp(from, wire::encode_part(wire::Dead{name, s.incarnation, self_.name}), out);
  }
}

}  // namespace shoal::gossip
