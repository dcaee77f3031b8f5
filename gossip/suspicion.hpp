// Suspicion timeouts, as memberlist computes them, in integer arithmetic only.
#pragma once

#include <cstddef>

#include "gossip/types.hpp"

namespace shoal::gossip {

// suspicion_mult * max(1, log10(n)) * probe_interval (log10 in thousandths, integer).
Micros suspicion_min_timeout(int suspicion_mult, std::size_t n, Micros probe_interval);

// Lifeguard's dogpile: the timeout after `confirmations` independent suspicions, log-scaled from
// `max` (none) down to `min` (k or more): max - (max - min) * log(c + 1) / log(k + 1).
Micros suspicion_timeout(Micros min, Micros max, int k, int confirmations);

// Confirmations expected before the timeout reaches its minimum (suspicion_mult - 2, or 0 when
// the cluster is too small to provide them).
int suspicion_k(int suspicion_mult, std::size_t n);

// retransmit_mult * ceil(log10(n + 1)).
int retransmit_limit(int retransmit_mult, std::size_t n);

// memberlist's pushPullScale: the interval grows by one step per doubling past 32 members.
Micros push_pull_scale(Micros interval, std::size_t n);

}  // namespace shoal::gossip
