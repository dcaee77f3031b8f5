#include "sim/input_hash.hpp"

#include "sim/engine_access.hpp"
#include "sim/decoded_state_cache.hpp"

namespace shoal::sim {

namespace {

std::uint64_t mix_str(std::uint64_t h, const std::string& s) {
  std::uint64_t f = 1469598103934665603ULL;
  for (unsigned char c : s) f = (f ^ c) * 1099511628211ULL;
  return mix64(h, f ^ s.size());
}

std::uint64_t member_hash(std::uint64_t h, const std::string& name, gossip::MemberState state,
                          const gossip::Meta& meta) {
  h = mix_str(h, name);
  h = mix64(h, static_cast<std::uint64_t>(state));
  h = mix_str(h, meta.zone);
  h = mix64(h, static_cast<std::uint64_t>(meta.cpu_milli));
  h = mix64(h, static_cast<std::uint64_t>(meta.memory_mib));
  h = mix64(h, (meta.ready ? 1u : 0u) | (meta.schedulable ? 2u : 0u));
  for (const auto& [k, v] : meta.labels) h = mix_str(mix_str(h, k), v);
  return mix64(h, meta.algorithm_version);
}

}  // namespace

std::uint64_t mix64(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h ^= h >> 31;
  h *= 0xbf58476d1ce4e5b9ULL;
  return h ^ (h >> 29);
}

void refresh_input_hash(SimPeer& p) {
  if (!p.hash_dirty) return;
  // Summed, so the engine's iteration order does not matter.
  std::uint64_t live = 0x5eed, all = 0x5eed;
  for_each_member(p.peer->engine(), [&](const std::string& name, gossip::MemberState state,
                                        const gossip::Meta& meta) {
    const std::uint64_t m = member_hash(0x5eed, name, state, meta);
    all += m;
    if (is_live(state)) live += m;
  });
  p.members_hash = live;
  p.placement_members_hash = all;
  p.spec_hash = DecodedStateCache::spec_hash(p.peer->engine().state());
  p.hash_dirty = false;
}

std::uint64_t truth_hash(const Peers& peers) {
  // Every peer that is up (frozen ones too: they are alive), alive, summed as above.
  std::uint64_t h = 0x5eed;
  for (const auto& [name, i] : peers.by_name())
    if (peers[i].up && peers[i].started)
      h += member_hash(0x5eed, name, gossip::MemberState::alive, peers[i].meta);
  return h;
}

}  // namespace shoal::sim
