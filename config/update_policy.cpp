#include "config/update_policy.hpp"

#include "config/validate_spec.hpp"

namespace shoal::config::detail {

void read_update(Reader& r, const toml::node& n, ServiceSpec& s) {
  const toml::table* t = r.table(n, "update");
  if (t == nullptr) return;
  r.check_keys(*t, {"parallelism", "order", "min_healthy_time", "healthy_deadline",
                    "auto_revert", "canary"},
               "update");
  UpdatePolicy u;
  with(*t, "parallelism", [&](const toml::node& v) {
    if (auto i = r.integer(v, "update.parallelism", 1, SpecLimits{}.max_replicas))
      u.parallelism = static_cast<int>(*i);
  });
  with(*t, "order", [&](const toml::node& v) {
    auto c = r.choice(v, "update.order", {"stop-first", "start-first"});
    if (c && *c == "start-first") u.order = UpdatePolicy::Order::start_first;
  });
  with(*t, "min_healthy_time", [&](const toml::node& v) {
    if (auto d = r.duration(v, "update.min_healthy_time", 0)) u.min_healthy_time = *d;
  });
  with(*t, "healthy_deadline", [&](const toml::node& v) {
    if (auto d = r.duration(v, "update.healthy_deadline", 1)) u.healthy_deadline = *d;
  });
  with(*t, "auto_revert", [&](const toml::node& v) {
    if (auto b = r.boolean(v, "update.auto_revert")) u.auto_revert = *b;
  });
  with(*t, "canary", [&](const toml::node& v) {
    // At most replicas: the validator says so (it knows the mode, read after this table).
    if (auto i = r.integer(v, "update.canary", 0, SpecLimits{}.max_replicas))
      u.canary = static_cast<int>(*i);
  });
  s.update = u;
}

}  // namespace shoal::config::detail
