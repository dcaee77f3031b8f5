// healthcheck -> health = { exec = [...] }: test ["CMD", args...] is the argv, ["CMD-SHELL",
// "cmd"] and a plain string run under /bin/sh -c, ["NONE"] and disable: true mean none.
// Compose's defaults (interval 30s, retries 3) are written out: Shoal's differ (5s).
#include "node/convert/compose_parts.hpp"

namespace shoal::convert {
namespace {

constexpr config::Millis kComposeInterval = 30'000;

// The argv of `test`, or nullopt (then `none` tells whether the check is turned off).
std::optional<std::vector<std::string>> read_test(Walk& w, const YAML::Node& n,
                                                  const std::string& key, bool& none) {
  auto words = w.words(n, key, false);
  if (!words) return std::nullopt;
  for (std::string& s : *words) s = literal(w, n, key, s);
  if (n.IsScalar() && !(*words)[0].empty())
    return std::vector<std::string>{"/bin/sh", "-c", (*words)[0]};
  if (words->empty() || n.IsScalar()) {
    w.error(n, key, "must not be empty (use [\"NONE\"] to turn the check off)");
    return std::nullopt;
  }
  const std::string kind = (*words)[0];
  words->erase(words->begin());
  if (kind == "NONE") {
    none = true;
    return std::nullopt;
  }
  if (kind == "CMD-SHELL" && words->size() == 1)
    return std::vector<std::string>{"/bin/sh", "-c", (*words)[0]};
  if (kind == "CMD" && !words->empty()) return words;
  w.error(n, key, "must be [\"CMD\", args...], [\"CMD-SHELL\", \"command\"], [\"NONE\"] or a "
                  "string");
  return std::nullopt;
}

}  // namespace

void read_healthcheck(Walk& w, const YAML::Node& n, const std::string& key, ServiceDraft& d) {
  HealthDraft h;
  h.interval = kComposeInterval;
  h.retries = 3;
  bool none = false, has_test = false;
  std::optional<std::pair<YAML::Node, config::Millis>> timeout;
  for (const Entry& e : w.mapping(n, key).value_or(std::vector<Entry>{})) {
    const std::string k = key + "." + e.key;
    if (e.key == "test") {
      has_test = true;
      if (auto argv = read_test(w, e.value, k, none)) h.exec = std::move(*argv);
    } else if (e.key == "disable") {
      auto v = w.scalar(e.value, k);
      if (v && *v == "true") none = true;
      else if (v && *v != "false") w.error(e.value, k, "must be true or false, not `" + *v + "`");
    } else if (e.key == "interval") {
      if (auto ms = read_duration(w, d, e.value, k)) h.interval = *ms;
    } else if (e.key == "timeout") {
      if (auto ms = read_duration(w, d, e.value, k)) timeout.emplace(e.value, *ms);
    } else if (e.key == "retries") {
      auto v = w.integer(e.value, k, 0, 1000);
      if (v && *v == 0) not_converted(w, d, e.value, k, "Shoal's retries are at least 1");
      else if (v) h.retries = *v;
    } else {
      not_converted(w, d, e.key_node, k, "Shoal has no equivalent");
    }
  }
  // Shoal ends a probe before the next is due; compose's default timeout equals its interval.
  if (timeout && timeout->second >= *h.interval)
    not_converted(w, d, timeout->first, key + ".timeout",
                  "Shoal's timeout must be less than the interval; its default (2s) applies");
  else if (timeout)
    h.timeout = timeout->second;
  if (none) return;
  if (!has_test && w.error_count() == 0)
    not_converted(w, d, n, key, "no `test`: Shoal does not run the image's HEALTHCHECK");
  if (!h.exec.empty()) d.health = std::move(h);
}

}  // namespace shoal::convert
