#include "config/reschedule_policy.hpp"

namespace shoal::config::detail {

void read_reschedule(Reader& r, const toml::node& n, ServiceSpec& s) {
  const toml::table* t = r.table(n, "reschedule");
  if (t == nullptr) return;
  r.check_keys(*t, {"attempts", "interval", "delay"}, "reschedule");
  ReschedulePolicy p;
  with(*t, "attempts", [&](const toml::node& v) {
    if (auto i = r.integer(v, "reschedule.attempts", 1, ReschedulePolicy::kMaxAttempts))
      p.attempts = static_cast<int>(*i);
  });
  with(*t, "interval", [&](const toml::node& v) {
    if (auto d = r.duration(v, "reschedule.interval", 1000)) {
      if (*d > ReschedulePolicy::kMaxInterval)
        r.error(v, "reschedule.interval must be at most 168h (7 days)");
      else
        p.interval = *d;
    }
  });
  with(*t, "delay", [&](const toml::node& v) {
    if (auto d = r.duration(v, "reschedule.delay", 0)) {
      if (*d > ReschedulePolicy::kMaxDelay)
        r.error(v, "reschedule.delay must be at most 1h");
      else
        p.delay = *d;
    }
  });
  if (s.restart.max_attempts == 0)
    r.error(n, "reschedule needs restart.max_attempts > 0: with no limit an instance restarts "
               "in place forever and never fails, so it never moves");
  if (s.placement.mode == Placement::Mode::global)
    r.error(n, "reschedule has no meaning with mode = \"global\" (one instance on every "
               "eligible peer); remove it");
  s.reschedule = p;
}

}  // namespace shoal::config::detail
