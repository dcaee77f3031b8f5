// Internal: the placement engine behind place() and explain(). Not a public interface.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "placement/explain.hpp"
#include "placement/hash.hpp"
#include "placement/place.hpp"

namespace shoal::placement::detail {

// A set of candidate peers (indices into the name-sorted peers), with the hash groups used
// when it is large.
struct PeerList {
  std::vector<std::uint32_t> peers;  // ascending
  std::vector<std::uint64_t> hashes;  // the peers' hashes, contiguous for the scan
  std::vector<std::vector<std::uint64_t>> thresholds;  // per level (lazily), per peer
  std::uint64_t weight = 0;          // sum of the peers' weights
  int group_bits = 0;                // 0 = rank the whole list
  std::vector<PeerList> groups;      // when group_bits > 0: 2^group_bits lists
  std::vector<PeerList> rests;       // ... and their complements
};

class Placer {
 public:
  static constexpr int kLevels = 16;  // candidate levels (see batch())
  static constexpr std::uint64_t kGroupSalt = 0x9e3779b97f4a7c15ULL;  // a peer's group hash
  Placer(const View& view, const Tuning& tuning);

  // Places every instance.
  Assignment run();
  // Places every instance, recording why `id` went where it did.
  Explanation explain(const InstanceId& id);

 private:
  struct PeerRt {
    const Peer* peer = nullptr;
    std::uint64_t hash = 0, group_hash = 0, weight = 1, inv_weight = 0;
    std::int64_t cpu_cap = 0, mem_cap = 0, cpu_used = 0, mem_used = 0;
    std::int64_t cpu_limit = 0, mem_limit = 0;  // balance cap
    std::int64_t held = 0;                      // instances placed here
    bool closed = false;  // it refused a proposal for the balance cap: it takes no more under it
    std::string ineligible;                     // empty when eligible before constraints
    std::vector<std::uint16_t> ports;           // static host ports taken
  };
  struct Zone {
    std::string name;
    std::uint64_t hash = 0;
    std::int64_t quota = 0, used = 0;
    std::shared_ptr<PeerList> list;
  };
  struct ServiceRt {
    const config::ServiceSpec* spec = nullptr;
    // The peers an instance ranks: every peer of the view that passes the constraints,
    // eligible or not (an ineligible one keeps its rank, so a peer dying shifts no ranks).
    std::shared_ptr<PeerList> ranked;
    std::shared_ptr<const std::vector<std::uint32_t>> eligible;  // ascending
    // Per peer: the first failing constraint (empty when none), shared by equal constraints.
    std::shared_ptr<const std::vector<std::string>> constraint_fail;
    std::vector<std::uint16_t> ports;          // static host ports needed, sorted
    std::vector<std::int32_t> per_peer;        // instances per peer (max_per_peer only)
    std::vector<Zone> zones;                   // zone spread (explicit, or auto with zones)
    bool soft_zones = false;                   // auto: a zone's quota relaxes with the level
    // Spread across peers: a peer takes an instance while it holds fewer than its cap (see
    // Placer::spread_cap) + the instance's relax level. 0 = spread "none"; 1 = one a peer;
    // else ceil(replicas / ranked peers), the cap is then weighted.
    std::int64_t spread_cap = 0;
    std::unordered_map<std::uint32_t, std::int32_t> held;  // per peer: instances of this service
    std::shared_ptr<const std::vector<std::int32_t>> zone_of;  // per peer: index in zones, -1
    int home = -1;                             // home peer index (home services)
    bool global = false;                       // mode = "global": one instance a ranked peer
    std::shared_ptr<PeerList> home_list;       // the home peer alone, when eligible
  };
  struct Inst {
    std::uint32_t service = 0;
    std::uint32_t index = 0;
    std::uint64_t hash = 0;
    bool home = false;
  };
  // An instance's position in its ranking: segments (the home peer; the instance's group,
  // then the rest; or each zone in the instance's zone order), each walked by levels of
  // candidates (keys up to a bound), then in full.
  struct Cursor {
    std::uint32_t segment = 0;
    int level = -1;          // -1: segment not started; kLevels: the full tail
    bool has_lower = false;  // keys <= lower were in earlier batches of this segment
    bool spill = false;      // second pass: the balance cap is ignored
    bool done = false;
    bool saw_cap = false;    // a peer with room refused it for the balance cap
    std::uint32_t relax = 0;       // spread level: caps of spread_cap + relax per peer
    std::uint32_t next_relax = 0;  // the least level at which a peer with room would take it
    bool sorted = false;     // batch sorted (else advance() selects the least key)
    Key lower = 0;
    std::uint32_t seen = 0, pos = 0;
    std::uint32_t proposals = 0;  // ranks passed in this segment: the next proposal's position
    std::vector<std::pair<Key, std::uint32_t>> batch;
  };
  struct Proposal {  // within a pass and a rank, taken by key, then instance, then peer
    Key key;
    std::uint32_t inst, peer;
    friend bool operator<(const Proposal& a, const Proposal& b) {
      return std::tie(a.key, a.inst, a.peer) < std::tie(b.key, b.inst, b.peer);
    }
  };

  __extension__ typedef unsigned __int128 Wide;
  struct Demand {  // the workload's total, in millicores and MiB
    Wide cpu = 0, mem = 0;
  };
  // What services with equal constraints share: their ranked and eligible peers, the failing
  // constraint per peer, and the ranked peers by zone (built on first use).
  struct Eligibility {
    std::shared_ptr<PeerList> ranked;
    std::shared_ptr<const std::vector<std::uint32_t>> eligible;
    std::shared_ptr<const std::vector<std::string>> fails;
    std::vector<std::pair<std::string, std::shared_ptr<PeerList>>> zones;
    std::shared_ptr<const std::vector<std::int32_t>> zone_of;
    bool any_zone = false;  // a ranked peer declares a zone
  };

  // Set-up phases (placer.cpp), in the constructor's order.
  void take_peers(const View& view);
  static std::vector<const config::ServiceSpec*> canonical_specs(const View& view);
  Demand demand_of(const std::vector<const config::ServiceSpec*>& specs) const;
  void weigh_peers(const Demand& d);
  Eligibility& eligibility(const config::ServiceSpec& spec,
                           std::map<std::string, Eligibility>& by_constraints);
  void add_service(std::uint32_t si, const config::ServiceSpec& spec,
                   std::map<std::string, Eligibility>& by_constraints);
  void pin_global(std::uint32_t si);
  void find_home(ServiceRt& s);
  void set_zone_quotas(ServiceRt& s, Eligibility& e, std::int64_t replicas);
  void sort_order();
  void set_balance_limits(const Demand& d);

  std::shared_ptr<PeerList> make_list(std::vector<std::uint32_t> peers);
  const std::vector<std::uint64_t>& thresholds(const PeerList& list, int level);
  bool has_room(const ServiceRt& s, std::uint32_t p) const;
  bool under_cap(const ServiceRt& s, std::uint32_t p) const;
  bool zone_open(const ServiceRt& s, std::uint32_t p, std::uint32_t relax = 0) const;
  // The least relax level at which spread (per-peer cap, soft zone quota) lets p take one
  // more instance of s.
  std::uint32_t spread_level(const ServiceRt& s, std::uint32_t p) const;
  std::int64_t spread_cap(const ServiceRt& s, std::uint32_t p) const;  // at relax level 0
  // Phase B: zone quotas over the zones with an eligible peer, counting what stays placed.
  void reset_zones_to_eligible();
  std::string room_failure(const ServiceRt& s, std::uint32_t p, bool detailed) const;
  // The k-th segment of the instance's ranking; *zone = its zone's index, or -1.
  PeerList* segment(const Inst& in, std::uint32_t k, std::int32_t* zone = nullptr) const;
  std::string zone_verdict(const ServiceRt& s, std::uint32_t p, std::uint32_t relax) const;
  bool advance(const Inst& in, Cursor& c, std::pair<Key, std::uint32_t>& next);
  void skip_segment(Cursor& c);  // the cursor's segment is done (its zone is full)
  void batch(const Inst& in, PeerList& list, Cursor& c);
  std::vector<std::uint32_t> ranking(const Inst& in) const;
  std::string peer_verdict(const Inst& in, std::uint32_t p, std::uint32_t relax) const;
  // The next eligible peer of the instance's ranking; ineligible ones use up their rank.
  bool next_eligible(const Inst& in, Cursor& c, std::pair<Key, std::uint32_t>& next);
  std::vector<std::size_t> zone_order(const Inst& in, const ServiceRt& s) const;
  void commit(const Inst& in, std::uint32_t peer);
  std::string unplaced_reason(const Inst& in) const;
  std::string no_room_reason(const ServiceRt& s, const std::vector<std::uint32_t>& peers) const;
  std::string no_eligible_reason(const ServiceRt& s) const;
  // The greedy: every instance proposes to its peers in rank order; proposals are taken in
  // one global order (home instances first; then by pass, rank, key, instance, peer).
  // `watch` (an index into order_, or -1) records the verdicts for explain().
  //
  // Proposals are bucketed by pass and rank. Pass = 2 x relax level + spill; rank = (segment,
  // position in it), so a peer joining or forgotten in one zone shifts no rank in the zones
  // after it (segments: the home peer, each zone, a candidate group and its rest). A proposal
  // made while those of (pass, rank) are taken has a higher rank or a later pass, so each
  // bucket is complete when its turn comes, and taking the buckets in turn, each sorted, is
  // the one global order.
  void solve(int watch);
  bool restart(Cursor& c);
  void propose_next(std::uint32_t i);  // the instance's next proposal, or its unplaced reason
  void take(const Proposal& pr, bool spill, bool first);  // commit, or refuse and propose again
  void run_class(const std::vector<std::uint32_t>& members);  // every bucket in turn
  void run_by_class(const std::vector<std::uint32_t>& instances);  // home instances first
  std::vector<std::uint32_t> unplace_orphans();  // phase B: those phase A put on ineligible peers
  std::vector<Cursor> cursors_;  // solve(): per order_ index
  std::vector<std::vector<std::vector<std::vector<Proposal>>>> passes_;  // [pass][segment][position]
  int watch_ = -1;

  struct Result {
    int peer = -1;
    bool spilled = false;
    std::uint32_t relax = 0;
    std::string reason;
  };
  std::vector<Result> results_;            // per order_ index
  std::vector<std::pair<std::uint32_t, std::string>> watched_;  // peer, verdict when refused

  Tuning tuning_;
  std::vector<PeerRt> peers_;  // sorted by name
  std::vector<ServiceRt> services_;
  std::vector<Inst> order_;    // canonical order: home instances first, then by hash
  // Global services' instances, one on each ranked peer (eligible or not, so that a peer
  // failing frees nothing in phase A); only those on eligible peers are output.
  struct Pinned {
    std::uint32_t service = 0, index = 0, peer = 0;
  };
  std::vector<Pinned> global_;
  std::vector<Result> global_results_;
  void place_global();
  bool skip_ineligible_ = false;  // phase B (see solve())
  // Reschedule (placer_avoid.cpp): per (service, index), the peers the instance skips, sorted.
  // Such a peer counts as ineligible for that instance only: phase A still ranks it (nothing
  // else moves), phase B places the instance elsewhere.
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::vector<std::uint32_t>> avoid_;
  void take_avoid(const View& view);
  bool avoids(const Inst& in, std::uint32_t peer) const;
  // Ineligible for the instance: for every instance (dead, draining...) or for it (avoid).
  bool unfit(const Inst& in, std::uint32_t peer) const {
    return !peers_[peer].ineligible.empty() || (!avoid_.empty() && avoids(in, peer));
  }
  std::uint64_t ref_weight_ = 1;
  std::vector<std::uint32_t> scratch_;  // batch(): indices of the draws past the threshold
  std::map<std::uint64_t, std::uint64_t> threshold_cache_[kLevels];  // per level: inverse weight -> draw
};

}  // namespace shoal::placement::detail
