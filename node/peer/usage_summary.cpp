#include "node/peer/usage_summary.hpp"

#include <algorithm>
#include <cstdlib>
#include <tuple>

#include "node/peer/json_int.hpp"
#include "node/peer/json_text.hpp"

namespace shoal::node {

using Json = nlohmann::json;

namespace {

constexpr std::int64_t kMaxQuantity = 1'000'000'000;  // milli-cores or MiB: far above any host
constexpr std::size_t kMaxServiceName = 63;

std::int64_t clamp_quantity(std::int64_t v) { return std::clamp<std::int64_t>(v, 0, kMaxQuantity); }
std::int64_t round_cpu(std::int64_t v) { return (clamp_quantity(v) + 5) / 10 * 10; }

bool instance_before(const InstanceUsage& a, const InstanceUsage& b) {
  return std::tie(a.service, a.index) < std::tie(b.service, b.index);
}

std::optional<std::int64_t> quantity(const Json& v) {
  auto q = json_int<std::int64_t>(v);
  if (!q || *q < 0 || *q > kMaxQuantity) return std::nullopt;
  return q;
}

std::optional<InstanceUsage> decode_instance(const Json& j) {
  if (!j.is_array() || j.size() != 4 || !j[0].is_string()) return std::nullopt;
  InstanceUsage i;
  i.service = j[0].get<std::string>();
  if (i.service.empty() || i.service.size() > kMaxServiceName) return std::nullopt;
  const auto index = json_int<int>(j[1]);
  const auto cpu = quantity(j[2]), rss = quantity(j[3]);
  if (!index || *index < 0 || !cpu || !rss) return std::nullopt;
  i.index = *index;
  i.cpu_milli = *cpu;
  i.rss_mib = *rss;
  return i;
}

// |a - b| reaches max(floor, pct% of base).
bool moved(std::int64_t a, std::int64_t b, std::int64_t floor, std::int64_t base, int pct) {
  return std::llabs(a - b) >= std::max(floor, base * pct / 100);
}

bool instance_moved(const InstanceUsage& a, const InstanceUsage& b) {
  return moved(a.cpu_milli, b.cpu_milli, 100, a.cpu_milli, 50) ||
         moved(a.rss_mib, b.rss_mib, 16, a.rss_mib, 25);
}

}  // namespace

UsageSummary quantised(UsageSummary u) {
  u.cpu_milli = round_cpu(u.cpu_milli);
  u.memory_mib = clamp_quantity(u.memory_mib);
  u.agent_cpu_milli = round_cpu(u.agent_cpu_milli);
  u.agent_rss_mib = clamp_quantity(u.agent_rss_mib);
  for (auto& i : u.instances) {
    i.cpu_milli = round_cpu(i.cpu_milli);
    i.rss_mib = clamp_quantity(i.rss_mib);
  }
  std::sort(u.instances.begin(), u.instances.end(), instance_before);
  return u;
}

std::string encode_usage(const UsageSummary& u) {
  Json inst = Json::array();
  for (const auto& i : u.instances) inst.push_back(Json::array({i.service, i.index, i.cpu_milli, i.rss_mib}));
  return json_text(Json::array({1, u.measured_ms, u.cpu_milli, u.memory_mib, u.agent_cpu_milli,
                                u.agent_rss_mib, std::move(inst)}));
}

std::optional<UsageSummary> decode_usage(std::string_view bytes) {
  const Json j = Json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (!j.is_array() || j.size() < 7 || json_int<int>(j[0]) != 1 || !j[6].is_array())
    return std::nullopt;  // a later version may append fields: size() >= 7
  UsageSummary u;
  const auto at = json_int<std::int64_t>(j[1]);
  const auto cpu = quantity(j[2]), mem = quantity(j[3]), acpu = quantity(j[4]), arss = quantity(j[5]);
  if (!at || *at < 0 || !cpu || !mem || !acpu || !arss) return std::nullopt;
  u.measured_ms = *at;
  u.cpu_milli = *cpu;
  u.memory_mib = *mem;
  u.agent_cpu_milli = *acpu;
  u.agent_rss_mib = *arss;
  for (const auto& e : j[6]) {
    auto i = decode_instance(e);
    if (!i) return std::nullopt;
    u.instances.push_back(std::move(*i));
  }
  std::sort(u.instances.begin(), u.instances.end(), instance_before);
  return u;
}

UsagePolicy usage_policy(std::int64_t interval_ms, std::size_t live_members) {
  const auto twenties = static_cast<std::int64_t>(std::max<std::size_t>(1, (live_members + 19) / 20));
  UsagePolicy p;
  p.min_interval_ms = 6 * interval_ms * twenties;
  p.refresh_ms = 10 * p.min_interval_ms;
  return p;
}

UsageSummary usage_mean(const std::vector<UsageSummary>& readings) {
  if (readings.empty()) return {};
  UsageSummary out = readings.back();
  auto mean = [&](auto get) {
    std::int64_t sum = 0, n = 0;
    for (const auto& r : readings) {
      if (const auto v = get(r)) {
        sum += *v;
        ++n;
      }
    }
    return n == 0 ? std::int64_t{0} : sum / n;
  };
  out.cpu_milli = mean([](const UsageSummary& r) { return std::optional(r.cpu_milli); });
  out.agent_cpu_milli = mean([](const UsageSummary& r) { return std::optional(r.agent_cpu_milli); });
  for (auto& i : out.instances) {
    i.cpu_milli = mean([&](const UsageSummary& r) -> std::optional<std::int64_t> {
      for (const auto& j : r.instances)
        if (j.service == i.service && j.index == i.index) return j.cpu_milli;
      return std::nullopt;
    });
  }
  return quantised(std::move(out));
}

bool usage_worth_writing(const std::optional<UsageSummary>& last, const UsageSummary& now,
                         std::int64_t cpu_capacity_milli, std::int64_t memory_capacity_mib,
                         const UsagePolicy& policy) {
  if (!last) return true;
  const std::int64_t since = now.measured_ms - last->measured_ms;
  if (since < policy.min_interval_ms && since >= 0) return false;  // a clock step back: write
  if (since >= policy.refresh_ms || since < 0) return true;
  if (moved(now.cpu_milli, last->cpu_milli, 250, cpu_capacity_milli, 20) ||
      moved(now.memory_mib, last->memory_mib, 256, memory_capacity_mib, 10) ||
      moved(now.agent_cpu_milli, last->agent_cpu_milli, 100, last->agent_cpu_milli, 50) ||
      moved(now.agent_rss_mib, last->agent_rss_mib, 16, last->agent_rss_mib, 25))
    return true;
  if (now.instances.size() != last->instances.size()) return true;
  for (std::size_t k = 0; k < now.instances.size(); ++k) {
    const auto& a = last->instances[k];
    const auto& b = now.instances[k];
    if (a.service != b.service || a.index != b.index || instance_moved(a, b)) return true;
  }
  return false;
}

Json usage_json(const std::map<std::string, UsageSummary>& by_peer, const gossip::Members& members,
                std::int64_t now_ms) {
  UsageViews views;
  for (const auto& [name, u] : by_peer) views.emplace(name, &u);
  return usage_views_json(views, members, now_ms);
}

Json usage_views_json(const UsageViews& by_peer, const gossip::Members& members,
                      std::int64_t now_ms) {
  Json peers = Json::array(), instances = Json::array();
  for (const auto& [name, up] : by_peer) {
    const UsageSummary& u = *up;
    const auto m = members.find(name);
    if (m == members.end() || !gossip::is_live(m->second.state)) continue;
    const std::int64_t age = std::max<std::int64_t>(0, now_ms - u.measured_ms);
    peers.push_back({{"peer", name},
                     {"cpu_milli", u.cpu_milli},
                     {"cpu_capacity_milli", m->second.meta.cpu_milli},
                     {"memory_mib", u.memory_mib},
                     {"memory_capacity_mib", m->second.meta.memory_mib},
                     {"agent_cpu_milli", u.agent_cpu_milli},
                     {"agent_rss_mib", u.agent_rss_mib},
                     {"age_ms", age}});
    for (const auto& i : u.instances)
      instances.push_back({{"service", i.service}, {"index", i.index}, {"peer", name},
                           {"cpu_milli", i.cpu_milli}, {"rss_mib", i.rss_mib}, {"age_ms", age}});
  }
  std::stable_sort(instances.begin(), instances.end(), [](const Json& a, const Json& b) {
    return std::tie(a["service"].get_ref<const std::string&>(), a["index"].get_ref<const Json::number_integer_t&>()) <
           std::tie(b["service"].get_ref<const std::string&>(), b["index"].get_ref<const Json::number_integer_t&>());
  });
  return Json{{"peers", std::move(peers)}, {"instances", std::move(instances)}};
}

}  // namespace shoal::node
