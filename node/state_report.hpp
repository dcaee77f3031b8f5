// What `/v1/status` shows of the replicated store: its merge counters (how many remote entries
// were refused, and why) and whether this peer's own writes are refused by the others because
// its clock runs ahead. Pure: the store and the wall clock come in.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "gossip/store.hpp"

namespace shoal::node {

// {"applied","stale","refused_skew","refused_expired","refused_foreign","refuted",
//  "garbage_collected","graves","graves_dropped","held_back_dropped"}
nlohmann::json state_stats_json(const gossip::Store& store);

// How far this peer's clock (the HLC every local write is stamped with) runs ahead of its wall
// clock, in ms, never negative.
std::int64_t clock_ahead_ms(const gossip::Store& store, std::int64_t wall_us);

// A warning when the clock runs more than max_clock_skew ahead of the wall: every peer whose
// clock agrees with this host's then refuses this peer's writes (its specs and status do not
// propagate) until the wall catches up. Empty otherwise.
std::string clock_warning(std::int64_t ahead_ms, std::int64_t max_clock_skew_us);

}  // namespace shoal::node
