// When a starting peer counts as synced (placement's gate; DESIGN.md "The reconcile step").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace shoal::node {

// Synced at once only when it knows nobody to ask: no seed configured and none remembered in
// data_dir/peers. Otherwise it waits for a push-pull (or the reconciler's solo_after), so a
// restarted seed with `join = []` does not place the cluster's whole workload on itself before
// it has heard from the peers it knew.
inline bool synced_at_start(std::size_t configured_seeds, std::size_t remembered_peers) {
  return configured_seeds == 0 && remembered_peers == 0;
}

// Whether a peer not synced yet is now: after a push-pull, or once it has been alone (nobody
// reachable) for solo_after, the reconciler's own gate: a cold start whose peers are gone
// must still become ready and run the cluster's workload.
inline bool synced_later(bool pushed_pulled, std::optional<std::int64_t> alone_since_ms,
                         std::int64_t now_ms, std::int64_t solo_after_ms) {
  return pushed_pulled || (alone_since_ms && now_ms - *alone_since_ms >= solo_after_ms);
}

}  // namespace shoal::node
