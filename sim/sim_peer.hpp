// One simulated peer (a real gossip::Engine and Reconciler with what the simulator keeps beside
// them) and the table of all of them, by index, address and name. Plain data: the world, the
// network, the fake runtime, the reconcile loop and the checker read and write it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gossip/engine.hpp"
#include "node/peer/own_status.hpp"
#include "node/peer/peer.hpp"
#include "placement/reconcile.hpp"
#include "sim/experiment.hpp"
#include "sim/decoded_state_cache.hpp"

namespace shoal::sim {

inline constexpr Micros kEpoch = 1'767'225'600LL * gossip::kSeconds;  // 2026-01-01T00:00:00Z: every wall clock

// What a peer's view yields for reconcile, shared between peers whose placement inputs (live
// members with their metadata, and the specs) hash equal.
struct ViewData {
  placement::Assignment assignment;
  std::set<std::string> live;  // alive + suspect member names
  // Computed once for every peer sharing this view: the instances each owner is assigned, and
  // each service's spec hash.
  std::map<std::string, std::vector<placement::InstanceId>, std::less<>> owned;
  std::map<std::string, std::string, std::less<>> spec_hash;
};

struct SimPeer {
  std::string name;
  gossip::Address addr;
  gossip::Meta meta;
  std::unique_ptr<node::Peer> peer;  // this life's engine and decisions (node/peer/peer.hpp)
  bool started = false;  // joined at least once
  bool up = false;       // running (not crashed)
  bool frozen = false;
  bool ever_crashed = false, ever_frozen = false;
  Micros skew = 0;
  Micros started_at = 0;  // this life's start (readiness counts join_grace from it)
  Micros tick_at = gossip::kNever;
  std::uint32_t gen = 0;
  std::uint64_t incarnation = 0;  // kept on "disk" across restarts
  long live_seen = 0;             // members alive/suspect in its view (self included)
  // Exactly what placement reads, hashed: every member (name, state, metadata; dead and left
  // ones too, as placement counts their capacity) and the versions of the spec/ entries; and
  // the live members alone (convergence). Recomputed only after a member or spec/ event.
  bool hash_dirty = true;
  std::uint64_t members_hash = 0, placement_members_hash = 0, spec_hash = 0;

  // --- the simulated runtime, driven by the real placement and reconcile step ---
  // What status reports, as node/'s Runner keeps it (node/peer/own_status.hpp).
  struct Instance : node::OwnInstance {
    std::uint64_t serial = 0;  // to match its instance_up event
  };
  std::unique_ptr<placement::Reconciler> reconciler;
  std::map<placement::InstanceId, Instance> instances;
  // Start-first: old copies kept running beside their new ones until the reconciler stops them.
  std::map<placement::InstanceId, Instance> outgoing;
  std::vector<placement::InstanceId> failed_here;  // the last plan's (reschedule), for status
  std::vector<placement::ShedService> shed;        // the last plan's (health shedding), likewise
  std::shared_ptr<const ViewData> view;
  std::uint64_t view_key = 0;
  std::shared_ptr<const DecodedStateCache::Specs> specs;        // decoded from its store's spec/
  std::uint64_t specs_key = UINT64_MAX;
  // DecodedStateCache::status_hash of its store, kept up to date entry by entry from state_changed
  // events: status_part[j] is peer j's entry's share (no O(members) scan per step).
  std::uint64_t status_hash = 0;
  std::vector<std::uint64_t> status_part;
  // Its store's status/<peer j> decoded, by j (kept from the same events), and whether some
  // status/ key names no simulated peer (then steps scan the store instead).
  std::vector<std::shared_ptr<const DecodedStateCache::StatusValue>> status_vals;
  bool status_scan = false;
  std::shared_ptr<const DecodedStateCache::StatusMap> statuses;  // decoded from its store's status/
  std::uint64_t statuses_key = 0;
  std::shared_ptr<const DecodedStateCache::StatusMap> relevant;  // what its last step was given
  std::uint64_t statuses_seen = UINT64_MAX;               // status_hash at the last step
  bool last_synced = false, last_health_bad = false;      // the gates at the last step
  bool local_changed = true;
  Micros wake_at = gossip::kNever;
  Micros woken_for = gossip::kNever;  // an immediate reconcile already queued for then
};

// Up, joined and not frozen: it runs its engine and answers.
inline bool live(const SimPeer& p) { return p.up && p.started && !p.frozen; }

// The peer's clock readings at virtual time `now` (its wall clock skewed).
inline gossip::Clock clock(const SimPeer& p, Micros now) { return {now, kEpoch + now + p.skew}; }

// Every peer, by index (stable: peers are only added), address and name.
class Peers {
 public:
  SimPeer& operator[](std::uint32_t i) { return all_[i]; }
  const SimPeer& operator[](std::uint32_t i) const { return all_[i]; }
  std::size_t size() const { return all_.size(); }
  auto begin() { return all_.begin(); }
  auto end() { return all_.end(); }
  auto begin() const { return all_.begin(); }
  auto end() const { return all_.end(); }
  void reserve(std::size_t n) { all_.reserve(n); }
  // Adds `p` (index size() before); false when its name was taken (the name keeps its peer).
  bool add(SimPeer p) {
    const auto i = static_cast<std::uint32_t>(all_.size());
    by_addr_[p.addr] = i;
    const bool fresh = by_name_.emplace(p.name, i).second;
    all_.push_back(std::move(p));
    return fresh;
  }
  std::optional<std::uint32_t> at_addr(const gossip::Address& a) const {
    auto it = by_addr_.find(a);
    if (it == by_addr_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<std::uint32_t> named(std::string_view name) const {
    auto it = by_name_.find(name);
    if (it == by_name_.end()) return std::nullopt;
    return it->second;
  }
  const std::map<std::string, std::uint32_t, std::less<>>& by_name() const { return by_name_; }

 private:
  struct AddrHash {
    std::size_t operator()(const gossip::Address& a) const {
      return std::hash<std::string>{}(a.host) ^ (std::size_t{a.port} * 0x9e3779b97f4a7c15ULL);
    }
  };
  std::vector<SimPeer> all_;
  std::unordered_map<gossip::Address, std::uint32_t, AddrHash> by_addr_;  // only looked up
  std::map<std::string, std::uint32_t, std::less<>> by_name_;
};

}  // namespace shoal::sim
