// Replicated state as the simulated peers read it, decoded once and shared. Each simulated peer
// holds its own gossip::Store (inside its engine); many of them hold the same entries (same key,
// same version), so a value is decoded once, and peers whose `status/` (or `spec/`) entries are
// all equal share one decoded map. Reading stays per peer and honest: what a peer sees is built
// from the entries of its own store only. Deterministic (ordered containers; the caches change
// cost, never results). The value encodings are node/peer/state_codec's, the ones real peers gossip.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <string>
#include <utility>
#include <vector>

#include "config/spec.hpp"
#include "gossip/store.hpp"
#include "node/peer/auto_revert.hpp"
#include "placement/status.hpp"

namespace shoal::sim {

class DecodedStateCache {
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
  // A reverted service is its last good version (node/peer/auto_revert.hpp); `spec_hash`
  // covers deploy/ keys too.
  std::shared_ptr<const Specs> specs(const gossip::Store& store, std::uint64_t hash);
  // The services specs(store, hash) reverted (empty before that call).
  const node::Reverts& reverts(std::uint64_t hash) const;

  // One decoded `status/<peer>` value, shared by every peer holding that (key, version); `nums`
  // numbers its instances (parallel to status.instances) so matching them costs no compares.
  struct StatusValue {
    // Bit (n % 64) set for every instance number n in `nums`: relevant() passes over most
    // values on this word alone, without reading their number lists.
    std::uint64_t mask = 0;
    placement::PeerStatus status;
    std::vector<std::uint32_t> nums;
  };
  // The decoded value of a live `status/` entry (nullptr for a tombstone or an undecodable value:
  // as node/ does, that peer is treated as reporting nothing).
  std::shared_ptr<const StatusValue> status_value(const gossip::Entry* e);

  // The statuses reduced to the instances in `ids` and every instance of `services` (peers left
  // with none are left out). Built without copying the rest: for a Reconciler step this is
  // everything the step reads (see the caller). The first form scans `store`; the second takes
  // the values a caller kept per reporting peer (values[j] reported by name_of(j)).
  StatusMap relevant(const gossip::Store& store, const std::set<placement::InstanceId>& ids,
                     const std::set<std::string>& services);
  template <typename NameOf>
  StatusMap relevant(const std::vector<std::shared_ptr<const StatusValue>>& values,
                     NameOf&& name_of, const std::set<placement::InstanceId>& ids,
                     const std::set<std::string>& services) {
    StatusMap out;
    if (!mark(ids, services)) return out;
    for (std::size_t j = 0; j < values.size(); ++j) {
      const StatusValue* v = values[j].get();
      if (!v || (v->mask & wanted_mask_) == 0) continue;
      placement::PeerStatus* mine = nullptr;
      for (std::size_t k = 0; k < v->nums.size(); ++k) {
        if (!wanted_[v->nums[k]]) continue;
        if (!mine) mine = &out[name_of(j)];
        mine->instances.push_back(v->status.instances[k]);  // sorted by id, so the copy is too
      }
    }
    unmark();
    return out;
  }

  // A peer just wrote `status` under (key, version): no need to decode it later.
  void remember_status(const std::string& key, const gossip::Version& version,
                       placement::PeerStatus status);

  std::uint64_t values_decoded() const { return decoded_; }
  std::uint64_t status_maps_built() const { return maps_built_; }
  std::uint64_t status_maps_shared() const { return maps_shared_; }

 private:
  struct ValueKeyHash {
    std::size_t operator()(const std::pair<std::string, gossip::Version>& k) const;
  };
  using ValueKey = std::pair<std::string, gossip::Version>;
  // Only looked up, never iterated: its order cannot reach any output.
  std::unordered_map<ValueKey, std::shared_ptr<const StatusValue>, ValueKeyHash> status_values_;
  std::shared_ptr<const StatusValue> decode_value(const gossip::Entry& e);
  std::shared_ptr<const StatusValue> make_value(placement::PeerStatus status);  // numbered
  std::uint32_t number(const placement::InstanceId& id);
  bool mark(const std::set<placement::InstanceId>& ids, const std::set<std::string>& services);
  void unmark();
  std::map<placement::InstanceId, std::uint32_t> numbers_;
  std::map<std::string, std::vector<std::uint32_t>, std::less<>> numbers_of_service_;
  std::vector<char> wanted_;            // by instance number, set only inside relevant()
  std::vector<std::uint32_t> marked_;
  std::uint64_t wanted_mask_ = 0;       // StatusValue::mask's bits of the marked numbers
  std::map<std::uint64_t, std::weak_ptr<const StatusMap>> status_maps_;
  std::map<std::uint64_t, std::shared_ptr<const Specs>> spec_sets_;
  std::map<std::uint64_t, node::Reverts> reverts_;  // by the same hash
  std::uint64_t decoded_ = 0, maps_built_ = 0, maps_shared_ = 0;
};

}  // namespace shoal::sim
