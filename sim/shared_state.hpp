// Replicated state as the simulated peers read it, decoded once and shared. Each simulated peer
// holds its own gossip::Store (inside its engine); many of them hold the same entries (same key,
// same version), so a value is decoded once, and peers whose `status/` (or `spec/`) entries are
// all equal share one decoded map. Reading stays per peer and honest: what a peer sees is built
// from the entries of its own store only. Deterministic (ordered containers; the caches change
// cost, never results). The value encodings are node/state_codec's, the ones real peers gossip.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "config/spec.hpp"
#include "gossip/store.hpp"
#include "placement/status.hpp"

namespace shoal::sim {

class SharedState {
 public:
  using StatusMap = std::map<std::string, placement::PeerStatus>;  // peer name -> status
  using Specs = std::vector<config::ServiceSpec>;                   // sorted by name

  // A hash over the (key, version) of every live `status/` entry of `store`: the XOR of
  // status_entry_hash over them, so a caller may also keep it up to date entry by entry.
  static std::uint64_t status_hash(const gossip::Store& store);  // O(entries)
  static std::uint64_t status_entry_hash(const gossip::Entry* e);  // 0 for none or a tombstone
  // The same over the live `spec/` entries.
  static std::uint64_t spec_hash(const gossip::Store& store);

  // Every decodable `status/<peer>` of `store`, keyed by peer; `hash` is status_hash(store).
  std::shared_ptr<const StatusMap> statuses(const gossip::Store& store, std::uint64_t hash);
  // Every decodable `spec/<name>` of `store`, by name; `hash` is spec_hash(store).
  std::shared_ptr<const Specs> specs(const gossip::Store& store, std::uint64_t hash);

  // The statuses of `store` reduced to the instances in `ids` and every instance of `services`
  // (peers left with none are left out). Built without copying the rest: for a Reconciler step
  // this is everything the step reads (see the caller).
  StatusMap relevant(const gossip::Store& store, const std::set<placement::InstanceId>& ids,
                     const std::set<std::string>& services);

  // A peer just wrote `status` under (key, version): no need to decode it later.
  void remember_status(const std::string& key, const gossip::Version& version,
                       placement::PeerStatus status);

  std::uint64_t values_decoded() const { return decoded_; }
  std::uint64_t status_maps_built() const { return maps_built_; }
  std::uint64_t status_maps_shared() const { return maps_shared_; }

 private:
  using ValueKey = std::pair<std::string, gossip::Version>;
  std::map<ValueKey, std::shared_ptr<const placement::PeerStatus>> status_values_;
  std::map<std::uint64_t, std::weak_ptr<const StatusMap>> status_maps_;
  std::map<std::uint64_t, std::shared_ptr<const Specs>> spec_sets_;
  std::uint64_t decoded_ = 0, maps_built_ = 0, maps_shared_ = 0;
};

}  // namespace shoal::sim
