// The placement benchmark behind `shoal-sim placement`: builds a view (from CSV rows or a
// seeded synthetic cluster), runs placement::place and the baselines on it, and measures
// balance, packing, movement on peer removal/addition, and compute time.
//
// Definitions (all algorithms, same run, same instances):
//  - load of a peer = its dominant share: max(cpu used / cpu capacity, memory used / memory
//    capacity); fair share = max(total cpu used / total cpu, total memory used / total memory)
//    over the view's peers; max_over_mean = the highest load / fair share.
//  - moved_on_remove_ratio: a peer is removed: marked dead (as a failed peer stays in the view
//    until forgotten), or erased from the view with --forget; (instances whose owner changed) /
//    (instances that peer held); averaged over `removals` seeded picks (peers holding nothing
//    are skipped). moved_on_forget_ratio (without --forget): the same dead peer is then
//    forgotten (erased); (instances whose owner changed then) / (instances it held).
//    moved_on_add_ratio: a peer (capacity copied from a seeded pick) is added;
//    (instances whose owner changed) / (instances it takes); averaged over `adds` additions.
//  - compute_ms: CPU time of the one thread computing the initial assignment (wall_ms beside
//    it); for place() that includes hashing every peer and instance. compute_ms_best_of_5:
//    for place(), the least of that first run and four more (warm) ones; baselines: one run.
//  - every baseline is capacity-checked (it skips dead peers and peers without room; nothing is
//    forced) and
//    uncapped: ring = Karger ring with 100 unweighted vnodes per peer, walking clockwise;
//    jump = Lamping-Veach jump hash over the name-sorted peers, rehashing when full; rendezvous
//    = plain unweighted HRW walking its ranking; random = seeded uniform draws; ffd =
//    first-fit-decreasing by dominant size over name-sorted peers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "placement/place.hpp"
#include "sim/csv.hpp"

namespace shoal::sim {

// Peers from node rows; one single-replica service per pod row (service name = pod name,
// made unique with a suffix when repeated).
placement::View view_from_rows(const std::vector<NodeRow>& nodes, const std::vector<PodRow>& pods);

// A deterministic synthetic cluster: `peers` peers of 16, 32 or 64 cores (4 GiB per core) in 3
// zones; services of 1..20 replicas totalling `instances`, each 1..4 x a base size, so that
// the requests fill about 60% of capacity.
placement::View synthetic_view(std::size_t peers, std::size_t instances, std::uint64_t seed);

struct BenchOptions {
  std::uint64_t seed = 1;
  int removals = 10;
  int adds = 10;
  bool forget = false;  // removal = erase the peer from the view, not mark it dead
  std::vector<std::string> baselines = {"ring", "jump", "rendezvous", "random", "ffd"};
  placement::Tuning tuning;
};

// One JSON object: peers, instances, placed, unplaced, max_over_mean, max_cpu_utilization,
// moved_on_remove_ratio, moved_on_add_ratio, compute_ms (+ details), and "baselines".
nlohmann::json run_bench(const placement::View& view, const BenchOptions& options);

// The balance/movement trade-off: the same figures for place() under each cap in `caps`
// (0 = no cap), as {"peers", "instances", "sweep": [{"cap", ...}, ...]}.
nlohmann::json balance_sweep(const placement::View& view, const BenchOptions& options,
                             const std::vector<double>& caps);

}  // namespace shoal::sim
