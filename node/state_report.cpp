#include "node/state_report.hpp"

#include <algorithm>

namespace shoal::node {

nlohmann::json state_stats_json(const gossip::Store& store) {
  const gossip::StoreStats& s = store.stats();
  return nlohmann::json{{"applied", s.applied},
                        {"stale", s.stale},
                        {"refused_skew", s.refused_skew},
                        {"refused_expired", s.refused_expired},
                        {"refused_foreign", s.refused_foreign},
                        {"refuted", s.refuted},
                        {"garbage_collected", s.garbage_collected},
                        {"graves", store.graves()},
                        {"graves_dropped", s.graves_dropped},
                        {"held_back_dropped", s.held_back_dropped}};
}

std::int64_t clock_ahead_ms(const gossip::Store& store, std::int64_t wall_us) {
  return std::max<std::int64_t>(0, store.clock_ahead_us(wall_us) / 1000);
}

std::string clock_warning(std::int64_t ahead_ms, std::int64_t max_clock_skew_us) {
  const std::int64_t skew_ms = max_clock_skew_us / 1000;
  if (ahead_ms <= skew_ms) return {};
  return "this peer's clock runs " + std::to_string(ahead_ms) +
         " ms ahead of its wall clock, more than max_clock_skew (" + std::to_string(skew_ms) +
         " ms): peers whose clocks agree with this host's refuse its writes (specs applied here and "
         "its status do not propagate) until the wall clock catches up (was the clock stepped "
         "forward and back?)";
}

}  // namespace shoal::node
