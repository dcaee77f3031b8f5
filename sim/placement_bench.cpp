#include "sim/placement_bench.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>

#include "gossip/splitmix64.hpp"
#include "placement/hash.hpp"

namespace shoal::sim {
namespace {

using placement::View;

struct Rng {  // splitmix64
  std::uint64_t s;
  std::uint64_t next() { return shoal::gossip::splitmix64(s); }
  std::uint64_t below(std::uint64_t n) {
    __extension__ typedef unsigned __int128 u128;
    return static_cast<std::uint64_t>((u128(next()) * n) >> 64);
  }
};

struct Inst {
  std::uint32_t service;
  std::uint32_t index;
  std::uint64_t hash;
  std::int64_t cpu, mem;
};

// The instances of a view in (service, index) order: the order of Assignment::instances.
std::vector<Inst> instances_of(const View& v) {
  std::vector<std::uint32_t> order(v.services.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](auto a, auto b) { return v.services[a].name < v.services[b].name; });
  std::vector<Inst> out;
  for (auto s : order) {
    const auto& spec = v.services[s];
    for (int i = 0; i < spec.replicas; ++i)
      out.push_back({s, static_cast<std::uint32_t>(i), placement::instance_hash(spec.name, i),
                     spec.resources.cpu_milli, spec.resources.memory_mib});
  }
  return out;
}

using Owners = std::vector<int>;  // per instance: index into view.peers, -1 = unplaced
using Algorithm = std::function<Owners(const View&, const std::vector<Inst>&)>;

struct Fill {
  std::vector<std::int64_t> cpu, mem;
  const View& v;
  explicit Fill(const View& view) : cpu(view.peers.size()), mem(view.peers.size()), v(view) {}
  bool room(std::size_t p, const Inst& in) const {
    if (v.peers[p].state != placement::MemberState::alive) return false;
    return cpu[p] + in.cpu <= v.peers[p].cpu_milli && mem[p] + in.mem <= v.peers[p].memory_mib;
  }
  void take(std::size_t p, const Inst& in) { cpu[p] += in.cpu; mem[p] += in.mem; }
};

std::vector<std::size_t> hash_order(const std::vector<Inst>& insts) {
  std::vector<std::size_t> order(insts.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return insts[a].hash < insts[b].hash; });
  return order;
}

double thread_cpu_ms();
double g_place_ms = -1;  // CPU time of the last place() call alone (set by ours())

Owners ours(const View& v, const std::vector<Inst>& insts, const placement::Tuning& t) {
  const double c0 = thread_cpu_ms();
  const placement::Assignment a = placement::place(v, t);
  g_place_ms = thread_cpu_ms() - c0;
  std::unordered_map<std::string, int> index;
  for (std::size_t p = 0; p < v.peers.size(); ++p) index.emplace(v.peers[p].name, static_cast<int>(p));
  Owners out(insts.size(), -1);
  for (std::size_t i = 0; i < insts.size() && i < a.instances.size(); ++i)
    if (a.instances[i].owner) out[i] = index.at(*a.instances[i].owner);
  return out;
}

Owners ring(const View& v, const std::vector<Inst>& insts) {
  std::vector<std::pair<std::uint64_t, std::uint32_t>> points;
  for (std::uint32_t p = 0; p < v.peers.size(); ++p)
    for (int k = 0; k < 100; ++k)
      points.emplace_back(placement::stable_hash(v.peers[p].name + "#" + std::to_string(k)), p);
  std::sort(points.begin(), points.end());
  Fill fill(v);
  Owners out(insts.size(), -1);
  std::vector<std::uint32_t> seen(v.peers.size(), 0);
  std::uint32_t stamp = 0;
  for (std::size_t i : hash_order(insts)) {
    if (points.empty()) break;
    ++stamp;
    std::size_t tried = 0;
    auto it = std::lower_bound(points.begin(), points.end(), std::pair(insts[i].hash, std::uint32_t{0}));
    for (std::size_t step = 0; step < points.size() && tried < v.peers.size(); ++step, ++it) {
      if (it == points.end()) it = points.begin();
      const std::uint32_t p = it->second;
      if (seen[p] == stamp) continue;
      seen[p] = stamp;
      ++tried;
      if (fill.room(p, insts[i])) { fill.take(p, insts[i]); out[i] = static_cast<int>(p); break; }
    }
  }
  return out;
}

std::int32_t jump_hash(std::uint64_t key, std::int32_t buckets) {  // Lamping & Veach 2014
  std::int64_t b = -1, j = 0;
  while (j < buckets) {
    b = j;
    key = key * 2862933555777941757ULL + 1;
    j = static_cast<std::int64_t>(static_cast<double>(b + 1) *
                                  (static_cast<double>(1LL << 31) / static_cast<double>((key >> 33) + 1)));
  }
  return static_cast<std::int32_t>(b);
}

std::vector<std::uint32_t> by_name(const View& v) {
  std::vector<std::uint32_t> order(v.peers.size());
  for (std::uint32_t p = 0; p < order.size(); ++p) order[p] = p;
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return v.peers[a].name < v.peers[b].name; });
  return order;
}

Owners jump(const View& v, const std::vector<Inst>& insts) {
  const auto peers = by_name(v);
  const auto n = static_cast<std::int32_t>(peers.size());
  Fill fill(v);
  Owners out(insts.size(), -1);
  if (n == 0) return out;
  for (std::size_t i : hash_order(insts)) {
    std::int32_t b = jump_hash(insts[i].hash, n);
    for (int attempt = 1; attempt <= 20 && !fill.room(peers[b], insts[i]); ++attempt)
      b = jump_hash(placement::mix(insts[i].hash, static_cast<std::uint64_t>(attempt)), n);
    for (std::int32_t k = 0; k < n && !fill.room(peers[b], insts[i]); ++k) b = (b + 1) % n;
    if (fill.room(peers[b], insts[i])) { fill.take(peers[b], insts[i]); out[i] = static_cast<int>(peers[b]); }
  }
  return out;
}

Owners rendezvous(const View& v, const std::vector<Inst>& insts) {
  std::vector<std::uint64_t> ph(v.peers.size());
  for (std::size_t p = 0; p < ph.size(); ++p) ph[p] = placement::peer_hash(v.peers[p].name);
  Fill fill(v);
  Owners out(insts.size(), -1);
  std::vector<std::pair<std::uint64_t, std::uint32_t>> ranked;
  for (std::size_t i : hash_order(insts)) {
    std::uint64_t best = 0;
    int top = -1;
    for (std::uint32_t p = 0; p < ph.size(); ++p) {
      const std::uint64_t s = placement::mix(insts[i].hash, ph[p]);
      if (top < 0 || s > best) { best = s; top = static_cast<int>(p); }
    }
    if (top >= 0 && fill.room(top, insts[i])) { fill.take(top, insts[i]); out[i] = top; continue; }
    ranked.clear();
    for (std::uint32_t p = 0; p < ph.size(); ++p) ranked.emplace_back(~placement::mix(insts[i].hash, ph[p]), p);
    std::sort(ranked.begin(), ranked.end());
    for (const auto& [s, p] : ranked)
      if (fill.room(p, insts[i])) { fill.take(p, insts[i]); out[i] = static_cast<int>(p); break; }
  }
  return out;
}

Owners random_baseline(const View& v, const std::vector<Inst>& insts, std::uint64_t seed) {
  Rng rng{seed};
  const std::size_t n = v.peers.size();
  Fill fill(v);
  Owners out(insts.size(), -1);
  if (n == 0) return out;
  for (std::size_t i : hash_order(insts)) {
    std::size_t p = rng.below(n);
    for (int attempt = 0; attempt < 20 && !fill.room(p, insts[i]); ++attempt) p = rng.below(n);
    for (std::size_t k = 0; k < n && !fill.room(p, insts[i]); ++k) p = (p + 1) % n;
    if (fill.room(p, insts[i])) { fill.take(p, insts[i]); out[i] = static_cast<int>(p); }
  }
  return out;
}

Owners ffd(const View& v, const std::vector<Inst>& insts) {
  double total_cpu = 0, total_mem = 0;
  for (const auto& p : v.peers) { total_cpu += static_cast<double>(p.cpu_milli); total_mem += static_cast<double>(p.memory_mib); }
  auto size = [&](const Inst& in) {
    return std::max(total_cpu > 0 ? static_cast<double>(in.cpu) / total_cpu : 0.0,
                    total_mem > 0 ? static_cast<double>(in.mem) / total_mem : 0.0);
  };
  std::vector<std::size_t> order = hash_order(insts);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return size(insts[a]) > size(insts[b]); });
  const auto peers = by_name(v);
  Fill fill(v);
  Owners out(insts.size(), -1);
  for (std::size_t i : order)
    for (std::uint32_t p : peers)
      if (fill.room(p, insts[i])) { fill.take(p, insts[i]); out[i] = static_cast<int>(p); break; }
  return out;
}

struct Quality {
  std::size_t placed = 0, unplaced = 0;
  double max_over_mean = 0, max_cpu_utilization = 0;
};

Quality quality(const View& v, const std::vector<Inst>& insts, const Owners& owners) {
  Quality q;
  std::vector<double> cpu(v.peers.size()), mem(v.peers.size());
  double used_cpu = 0, used_mem = 0, cap_cpu = 0, cap_mem = 0;
  for (std::size_t i = 0; i < insts.size(); ++i) {
    if (owners[i] < 0) { ++q.unplaced; continue; }
    ++q.placed;
    cpu[owners[i]] += static_cast<double>(insts[i].cpu);
    mem[owners[i]] += static_cast<double>(insts[i].mem);
    used_cpu += static_cast<double>(insts[i].cpu);
    used_mem += static_cast<double>(insts[i].mem);
  }
  for (const auto& p : v.peers) { cap_cpu += static_cast<double>(p.cpu_milli); cap_mem += static_cast<double>(p.memory_mib); }
  const double fair = std::max(cap_cpu > 0 ? used_cpu / cap_cpu : 0.0, cap_mem > 0 ? used_mem / cap_mem : 0.0);
  double max_load = 0;
  for (std::size_t p = 0; p < v.peers.size(); ++p) {
    const double c = v.peers[p].cpu_milli > 0 ? cpu[p] / static_cast<double>(v.peers[p].cpu_milli) : 0.0;
    const double m = v.peers[p].memory_mib > 0 ? mem[p] / static_cast<double>(v.peers[p].memory_mib) : 0.0;
    max_load = std::max({max_load, c, m});
    q.max_cpu_utilization = std::max(q.max_cpu_utilization, c);
  }
  q.max_over_mean = fair > 0 ? max_load / fair : 0.0;
  return q;
}

// Instances whose owner (by name) differs between two runs on two views.
std::size_t moved(const View& a, const Owners& oa, const View& b, const Owners& ob) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < oa.size(); ++i) {
    const std::string* na = oa[i] < 0 ? nullptr : &a.peers[oa[i]].name;
    const std::string* nb = ob[i] < 0 ? nullptr : &b.peers[ob[i]].name;
    if ((na == nullptr) != (nb == nullptr) || (na && *na != *nb)) ++n;
  }
  return n;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// CPU time of this thread: robust to other processes sharing the cores.
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double round3(double x) { return static_cast<double>(static_cast<long long>(x * 1000.0 + 0.5)) / 1000.0; }

nlohmann::json measure(const View& v, const std::vector<Inst>& insts, const Algorithm& algo,
                       const BenchOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  const double c0 = thread_cpu_ms();
  g_place_ms = -1;
  const Owners base = algo(v, insts);
  // For place(), the call alone (not the benchmark's conversion of its output).
  const double compute_ms = g_place_ms >= 0 ? g_place_ms : thread_cpu_ms() - c0;
  const double wall_ms = ms_since(t0);
  // place() again, warm: the least of five runs is steadier on a shared machine.
  double best_ms = compute_ms;
  for (int k = 0; k < 4 && g_place_ms >= 0; ++k) {
    (void)algo(v, insts);
    best_ms = std::min(best_ms, g_place_ms);
  }
  const Quality q = quality(v, insts, base);
  nlohmann::json out = {{"placed", q.placed},
                        {"unplaced", q.unplaced},
                        {"max_over_mean", round3(q.max_over_mean)},
                        {"max_cpu_utilization", round3(q.max_cpu_utilization)},
                        {"compute_ms", round3(compute_ms)},
                        {"compute_ms_best_of_5", round3(best_ms)},
                        {"wall_ms", round3(wall_ms)}};
  std::vector<std::size_t> held(v.peers.size());
  for (int o : base) if (o >= 0) ++held[o];

  Rng rng{opt.seed ^ 0x5eed5eedULL};
  double remove_sum = 0, forget_sum = 0;
  int remove_n = 0;
  std::set<std::size_t> picked;
  for (int r = 0; r < opt.removals && picked.size() + 1 < v.peers.size(); ++r) {
    std::size_t p;
    do p = rng.below(v.peers.size()); while (picked.count(p));
    picked.insert(p);
    if (held[p] == 0) continue;
    View smaller = v;
    if (opt.forget) smaller.peers.erase(smaller.peers.begin() + static_cast<std::ptrdiff_t>(p));
    else smaller.peers[p].state = placement::MemberState::dead;
    const Owners after = algo(smaller, insts);
    remove_sum += static_cast<double>(moved(v, base, smaller, after)) / static_cast<double>(held[p]);
    ++remove_n;
    if (!opt.forget) {  // later, the dead peer is forgotten: what moves then
      View forgotten = smaller;
      forgotten.peers.erase(forgotten.peers.begin() + static_cast<std::ptrdiff_t>(p));
      const Owners last = algo(forgotten, insts);
      forget_sum += static_cast<double>(moved(smaller, after, forgotten, last)) / static_cast<double>(held[p]);
    }
  }
  out["moved_on_remove_ratio"] = remove_n ? nlohmann::json(round3(remove_sum / remove_n)) : nlohmann::json();
  out["moved_on_forget_ratio"] =
      remove_n && !opt.forget ? nlohmann::json(round3(forget_sum / remove_n)) : nlohmann::json();
  out["removals_measured"] = remove_n;

  double add_sum = 0;
  int add_n = 0;
  for (int a = 0; a < opt.adds && !v.peers.empty(); ++a) {
    View bigger = v;
    placement::Peer extra = v.peers[rng.below(v.peers.size())];
    extra.name = "sim-added-" + std::to_string(a);
    bigger.peers.push_back(extra);
    const Owners after = algo(bigger, insts);
    std::size_t takes = 0;
    for (int o : after) if (o == static_cast<int>(bigger.peers.size() - 1)) ++takes;
    if (takes == 0) continue;
    add_sum += static_cast<double>(moved(v, base, bigger, after)) / static_cast<double>(takes);
    ++add_n;
  }
  out["moved_on_add_ratio"] = add_n ? nlohmann::json(round3(add_sum / add_n)) : nlohmann::json();
  out["adds_measured"] = add_n;
  return out;
}

}  // namespace

placement::View view_from_rows(const std::vector<NodeRow>& nodes, const std::vector<PodRow>& pods) {
  View v;
  for (const auto& n : nodes) {
    placement::Peer p;
    p.name = n.name;
    p.cpu_milli = n.cpu_milli;
    p.memory_mib = n.memory_mib;
    p.zone = n.zone;
    v.peers.push_back(std::move(p));
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < pods.size(); ++i) {
    config::ServiceSpec s;
    s.name = pods[i].name;
    if (!names.insert(s.name).second) {
      s.name += "-row" + std::to_string(i + 2);
      names.insert(s.name);
    }
    s.replicas = 1;
    s.resources.cpu_milli = pods[i].cpu_milli;
    s.resources.memory_mib = pods[i].memory_mib;
    v.services.push_back(std::move(s));
  }
  return v;
}

placement::View synthetic_view(std::size_t peers, std::size_t instances, std::uint64_t seed) {
  Rng rng{seed};
  View v;
  static const std::int64_t kCpu[] = {16000, 32000, 32000, 64000};
  static const char* kZones[] = {"zone-a", "zone-b", "zone-c"};
  double total_cpu = 0, total_mem = 0;
  for (std::size_t i = 0; i < peers; ++i) {
    placement::Peer p;
    char name[32];
    std::snprintf(name, sizeof name, "peer-%05zu", i);
    p.name = name;
    p.cpu_milli = kCpu[rng.below(4)];
    p.memory_mib = p.cpu_milli / 1000 * 4096;  // 4 GiB per core, as the workload
    p.zone = kZones[rng.below(3)];
    total_cpu += static_cast<double>(p.cpu_milli);
    total_mem += static_cast<double>(p.memory_mib);
    v.peers.push_back(std::move(p));
  }
  // Sizes: a multiplier of 1..4 (mean 2.5) times a base that makes the total about 60%.
  const double n = static_cast<double>(std::max<std::size_t>(instances, 1));
  const double base_cpu = 0.6 * total_cpu / n / 2.5, base_mem = 0.6 * total_mem / n / 2.5;
  std::size_t made = 0;
  for (std::size_t k = 0; made < instances; ++k) {
    config::ServiceSpec s;
    char name[32];
    std::snprintf(name, sizeof name, "svc-%05zu", k);
    s.name = name;
    s.replicas = static_cast<int>(std::min<std::size_t>(1 + rng.below(20), instances - made));
    const auto mult = static_cast<double>(1 + rng.below(4));
    s.resources.cpu_milli = std::max<std::int64_t>(1, static_cast<std::int64_t>(base_cpu * mult));
    s.resources.memory_mib = std::max<std::int64_t>(1, static_cast<std::int64_t>(base_mem * mult));
    made += static_cast<std::size_t>(s.replicas);
    v.services.push_back(std::move(s));
  }
  return v;
}

nlohmann::json run_bench(const View& view, const BenchOptions& opt) {
  const std::vector<Inst> insts = instances_of(view);
  const placement::Tuning tuning = opt.tuning;
  nlohmann::json out = measure(view, insts, [&](const View& v, const std::vector<Inst>& i) {
    return ours(v, i, tuning);
  }, opt);
  out["peers"] = view.peers.size();
  out["instances"] = insts.size();
  out["algorithm_version"] = placement::kAlgorithmVersion;
  out["balance_cap"] = tuning.balance_num == 0 || tuning.balance_den == 0
                           ? nlohmann::json()
                           : nlohmann::json(static_cast<double>(tuning.balance_num) / tuning.balance_den);
  out["seed"] = opt.seed;
  out["load"] = "dominant share max(cpu_used/cpu, mem_used/mem); fair share likewise over all peers";
  nlohmann::json baselines = nlohmann::json::object();
  for (const auto& name : opt.baselines) {
    Algorithm algo;
    if (name == "ring") algo = ring;
    else if (name == "jump") algo = jump;
    else if (name == "rendezvous") algo = rendezvous;
    else if (name == "random") algo = [&](const View& v, const std::vector<Inst>& i) { return random_baseline(v, i, opt.seed); };
    else if (name == "ffd") algo = ffd;
    else continue;
    baselines[name] = measure(view, insts, algo, opt);
  }
  out["baselines"] = baselines;
  return out;
}

nlohmann::json balance_sweep(const View& view, const BenchOptions& opt, const std::vector<double>& caps) {
  const std::vector<Inst> insts = instances_of(view);
  nlohmann::json rows = nlohmann::json::array();
  for (double cap : caps) {
    placement::Tuning t = opt.tuning;
    t.balance_den = 1000;
    t.balance_num = cap <= 0 ? 0 : static_cast<std::uint32_t>(cap * 1000.0 + 0.5);
    nlohmann::json row = measure(view, insts, [&](const View& v, const std::vector<Inst>& i) {
      return ours(v, i, t);
    }, opt);
    row["cap"] = cap <= 0 ? nlohmann::json() : nlohmann::json(cap);
    rows.push_back(std::move(row));
  }
  return {{"peers", view.peers.size()}, {"instances", insts.size()}, {"seed", opt.seed}, {"sweep", rows}};
}

}  // namespace shoal::sim
