#include "sim/experiment.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/toml.hpp"

#include "config/toml_reader.hpp"
#include "config/units.hpp"
#include "sim/csv.hpp"

namespace shoal::sim {

namespace {

struct Fail {
  std::string message;
};

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}
  [[noreturn]] void fail(const toml::source_region& r, const std::string& msg) const {
    throw Fail{path_ + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column) +
               ": " + msg};
  }
  [[noreturn]] void fail(const toml::node& n, const std::string& msg) const { fail(n.source(), msg); }

  void keys(const toml::table& t, std::initializer_list<std::string_view> known,
            const std::string& where) const {
    for (const auto& [k, v] : t) {
      bool ok = false;
      for (auto kk : known) ok = ok || kk == k.str();
      if (!ok) fail(v, "unknown key `" + std::string(k.str()) + "`" + where);
    }
  }
  std::int64_t integer(const toml::node& n, const std::string& name, std::int64_t lo,
                       std::int64_t hi) const {
    auto v = n.value<std::int64_t>();
    if (!n.is_integer() || !v) fail(n, "`" + name + "` must be an integer");
    if (*v < lo || *v > hi)
      fail(n, "`" + name + "` must be in " + std::to_string(lo) + ".." + std::to_string(hi));
    return *v;
  }
  double fraction(const toml::node& n, const std::string& name) const {
    if (!n.is_number()) fail(n, "`" + name + "` must be a number in [0, 1)");
    double v = *n.value<double>();
    if (!(v >= 0 && v < 1)) fail(n, "`" + name + "` must be in [0, 1)");
    return v;
  }
  bool boolean(const toml::node& n, const std::string& name) const {
    if (!n.is_boolean()) fail(n, "`" + name + "` must be true or false");
    return *n.value<bool>();
  }
  std::string string(const toml::node& n, const std::string& name) const {
    if (!n.is_string()) fail(n, "`" + name + "` must be a string");
    return *n.value<std::string>();
  }
  Micros duration(const toml::node& n, const std::string& name) const {
    auto s = string(n, name);
    auto d = parse_sim_duration(s);
    if (!d) fail(n, "`" + name + "`: bad duration `" + s + "` (e.g. \"300s\", \"1m30s\", \"5ms\")");
    return *d;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// [gossip]: the profile's timings with single values overridden (DESIGN.md "Peer file" names).
void read_gossip(const Reader& rd, const toml::table& root, Experiment& x) {
  const toml::node* n = root.get("gossip");
  const toml::table* t = n ? n->as_table() : nullptr;
  if (n && !t) rd.fail(*n, "`gossip` must be a table");
  if (t) {
    if (const auto* jg = t->get("join_grace"))
      rd.fail(*jg, "`join_grace` is a node setting the simulator does not model");
    rd.keys(*t,
            {"profile", "probe_interval", "probe_timeout", "gossip_interval", "push_pull_interval",
             "reconnect_timeout", "tombstone_ttl", "max_clock_skew", "indirect_checks",
             "suspicion_mult", "suspicion_max_mult", "gossip_nodes", "retransmit_mult",
             "awareness_max", "gossip_to_the_dead", "stall_threshold", "stream_ping",
             "tree_broadcast", "graft_timeout"},
            " in [gossip]");
    if (const auto* p = t->get("profile")) {
      std::string name = rd.string(*p, "gossip.profile");
      if (!gossip::Config::for_profile(name))
        rd.fail(*p, "`gossip.profile` must be one of " +
                        std::string(gossip::Config::profile_names()) + " (got `" + name + "`)");
      if (root.get("profile") && name != x.profile)
        rd.fail(*p, "`gossip.profile` differs from the top-level `profile`; give one");
      x.profile = name;
    }
  }
  x.gossip = *gossip::Config::for_profile(x.profile);
  x.gossip.lifeguard = x.lifeguard;
  if (!t) return;
  auto dur = [&](const char* key, Micros& out) {
    if (const auto* v = t->get(key)) {
      out = rd.duration(*v, std::string("gossip.") + key);
      if (out <= 0) rd.fail(*v, std::string("`gossip.") + key + "` must be > 0");
    }
  };
  auto num = [&](const char* key, std::int64_t min, int& out) {
    if (const auto* v = t->get(key))
      out = static_cast<int>(rd.integer(*v, std::string("gossip.") + key, min, 1'000'000));
  };
  gossip::Config& c = x.gossip;
  dur("probe_interval", c.probe_interval);
  dur("probe_timeout", c.probe_timeout);
  dur("gossip_interval", c.gossip_interval);
  dur("push_pull_interval", c.push_pull_interval);
  dur("reconnect_timeout", c.reconnect_timeout);
  dur("tombstone_ttl", c.tombstone_ttl);
  dur("max_clock_skew", c.max_clock_skew);
  dur("gossip_to_the_dead", c.gossip_to_the_dead);
  dur("stall_threshold", c.stall_threshold);
  dur("graft_timeout", c.graft_timeout);
  num("indirect_checks", 0, c.indirect_checks);
  num("suspicion_mult", 1, c.suspicion_mult);
  num("suspicion_max_mult", 1, c.suspicion_max_mult);
  num("gossip_nodes", 1, c.gossip_nodes);
  num("retransmit_mult", 1, c.retransmit_mult);
  num("awareness_max", 1, c.awareness_max);
  if (const auto* v = t->get("stream_ping")) c.stream_ping = rd.boolean(*v, "gossip.stream_ping");
  if (const auto* v = t->get("tree_broadcast"))
    c.tree_broadcast = rd.boolean(*v, "gossip.tree_broadcast");
  if (std::string why = c.validate(); !why.empty()) rd.fail(*n, "[gossip]: " + why);
}

}  // namespace

Micros FaultEvent::end() const {
  switch (kind) {
    case Kind::kill:
    case Kind::join: return at;
    case Kind::restart: return at + every * std::max(0, count - 1) + length;
    default: return at + length;
  }
}

std::optional<Micros> parse_sim_duration(const std::string& text) {
  if (text.size() > 2 && text.ends_with("us")) {
    std::int64_t v = 0;
    for (std::size_t i = 0; i + 2 < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      v = v * 10 + (text[i] - '0');
      if (v > 1'000'000'000'000'000LL) return std::nullopt;
    }
    return v;
  }
  auto d = config::parse_duration(text);
  if (!d.ok()) return std::nullopt;
  return *d.value * gossip::kMillis;
}

std::variant<Experiment, ExperimentError> parse_experiment_text(const std::string& text,
                                                                const std::string& path) {
  Reader rd(path);
  Experiment x;
  x.path = path;
  config::Diagnostic syntax;
  auto parsed = config::detail::parse_toml(text, path, syntax);
  if (!parsed)
    return ExperimentError{path + ":" + std::to_string(syntax.line) + ":" +
                           std::to_string(syntax.col) + ": " + syntax.message};
  toml::table root = std::move(*parsed);
  try {
    rd.keys(root,
            {"name", "seed", "peers", "nodes", "duration", "profile", "lifeguard", "network",
             "service", "event", "start", "join_spread", "join_grace", "clock_skew", "sample", "start_delay",
             "crash_rate", "specs_at", "gossip"},
            " (top level)");
    const toml::source_region top{{1, 1}, {1, 1}, nullptr};
    if (auto* n = root.get("name")) x.name = rd.string(*n, "name");
    else rd.fail(top, "missing `name`");
    if (auto* n = root.get("seed")) x.seed = static_cast<std::uint64_t>(rd.integer(*n, "seed", 0, INT64_MAX));
    if (auto* n = root.get("duration")) {
      x.duration = rd.duration(*n, "duration");
      if (x.duration <= 0) rd.fail(*n, "`duration` must be > 0");
    }
    if (auto* n = root.get("profile")) {
      x.profile = rd.string(*n, "profile");
      if (!gossip::Config::for_profile(x.profile))
        rd.fail(*n, "`profile` must be one of " + std::string(gossip::Config::profile_names()) +
                        " (got `" + x.profile + "`)");
    }
    if (auto* n = root.get("lifeguard")) x.lifeguard = rd.boolean(*n, "lifeguard");
    if (auto* n = root.get("start")) {
      const std::string v = rd.string(*n, "start");
      if (v != "join" && v != "formed")
        rd.fail(*n, "`start` must be \"join\" or \"formed\" (got `" + v + "`)");
      x.start_formed = v == "formed";
      if (x.start_formed) x.join_spread = 0;
      if (x.start_formed && root.get("join_spread"))
        rd.fail(*n, "`join_spread` has no meaning with start = \"formed\" (every peer starts at 0s)");
    }
    if (auto* n = root.get("join_spread")) x.join_spread = rd.duration(*n, "join_spread");
    if (auto* n = root.get("join_grace")) x.join_grace = rd.duration(*n, "join_grace");
    if (auto* n = root.get("clock_skew")) x.clock_skew = rd.duration(*n, "clock_skew");
    if (auto* n = root.get("sample")) {
      x.sample = rd.duration(*n, "sample");
      if (x.sample < 10 * gossip::kMillis) rd.fail(*n, "`sample` must be >= 10ms");
    }
    if (auto* n = root.get("start_delay")) x.start_delay = rd.duration(*n, "start_delay");
    if (auto* n = root.get("specs_at")) x.specs_at = rd.duration(*n, "specs_at");
    if (auto* n = root.get("crash_rate")) {
      if (!n->is_number() || *n->value<double>() < 0) rd.fail(*n, "`crash_rate` must be a number >= 0");
      x.crash_rate = *n->value<double>();
    }

    read_gossip(rd, root, x);

    const toml::node* peers = root.get("peers");
    const toml::node* nodes = root.get("nodes");
    if (peers && nodes) rd.fail(*nodes, "give `peers` or `nodes`, not both");
    if (!peers && !nodes) rd.fail(top, "missing `peers` (a count) or `nodes` (a CSV file)");
    if (peers) {
      auto n = rd.integer(*peers, "peers", 1, 1'000'000);
      for (std::int64_t i = 0; i < n; ++i) {
        ExperimentNode en;
        en.name = std::to_string(i);
        en.name.insert(0, 1, 'p');  // (not "p" + ...: GCC 12 -Wrestrict false positive)
        x.nodes.push_back(en);
      }
    } else {
      std::string rel = rd.string(*nodes, "nodes");
      std::filesystem::path p(rel);
      if (p.is_relative()) p = std::filesystem::path(path).parent_path() / p;
      auto text = read_file(p.string());
      if (auto* e = std::get_if<CsvError>(&text)) rd.fail(*nodes, "`nodes`: " + e->message);
      auto rows = parse_nodes(std::get<std::string>(text), p.string());
      if (auto* e = std::get_if<CsvError>(&rows)) rd.fail(*nodes, "`nodes`: " + e->message);
      for (const auto& r : std::get<std::vector<NodeRow>>(rows))
        x.nodes.push_back(ExperimentNode{r.name, r.cpu_milli, r.memory_mib, r.zone});
      if (x.nodes.empty()) rd.fail(*nodes, "`nodes`: no rows");
    }

    if (auto* n = root.get("network")) {
      const toml::table* t = n->as_table();
      if (!t) rd.fail(*n, "`network` must be a table");
      rd.keys(*t, {"latency", "loss", "duplicate", "stream_latency_factor", "stream_loss"},
              " in [network]");
      if (auto* l = t->get("latency")) {
        const toml::array* a = l->as_array();
        if (!a || a->size() != 2) rd.fail(*l, "`latency` must be [\"min\", \"max\"], e.g. [\"1ms\", \"5ms\"]");
        x.latency_min = rd.duration(*a->get(0), "latency");
        x.latency_max = rd.duration(*a->get(1), "latency");
        if (x.latency_min > x.latency_max) rd.fail(*l, "`latency`: min is above max");
      }
      if (auto* l = t->get("loss")) x.loss = rd.fraction(*l, "loss");
      if (auto* l = t->get("duplicate")) x.duplicate = rd.fraction(*l, "duplicate");
      if (auto* l = t->get("stream_latency_factor"))
        x.stream_latency_factor = static_cast<int>(rd.integer(*l, "stream_latency_factor", 1, 100));
      if (auto* l = t->get("stream_loss")) x.stream_loss = rd.boolean(*l, "stream_loss");
    }

    if (auto* n = root.get("service")) {
      const toml::array* a = n->as_array();
      if (!a || !a->is_array_of_tables()) rd.fail(*n, "`service` must be [[service]] tables");
      for (const auto& el : *a) {
        const toml::table& t = *el.as_table();
        rd.keys(t, {"name", "replicas", "cpu", "memory", "spread", "max_per_peer", "update"}, " in [[service]]");
        ExperimentService s;
        if (auto* v = t.get("name")) s.name = rd.string(*v, "name");
        else rd.fail(t, "[[service]] needs `name`");
        if (auto why = config::check_service_name(s.name); !why.empty())
          rd.fail(*t.get("name"), "service name: " + why);
        for (const auto& o : x.services)
          if (o.name == s.name) rd.fail(*t.get("name"), "duplicate service `" + s.name + "`");
        if (auto* v = t.get("replicas")) s.replicas = static_cast<int>(rd.integer(*v, "replicas", 0, 10'000'000));
        if (auto* v = t.get("cpu")) {
          if (v->is_number()) {
            double c = *v->value<double>();
            if (!(c >= 0) || c > 1e6) rd.fail(*v, "`cpu` must be >= 0 cores");
            s.cpu_milli = static_cast<std::int64_t>(std::llround(c * 1000.0));
          } else if (v->is_string()) {
            auto m = config::parse_millicores(*v->value<std::string>());
            if (!m.ok()) rd.fail(*v, "`cpu`: " + m.error);
            s.cpu_milli = *m.value;
          } else {
            rd.fail(*v, "`cpu` must be cores (a number) or \"500m\"");
          }
        }
        if (auto* v = t.get("memory")) {
          auto m = config::parse_size_mib(rd.string(*v, "memory"));
          if (!m.ok()) rd.fail(*v, "`memory`: " + m.error);
          s.memory_mib = *m.value;
        }
        if (auto* v = t.get("spread")) {
          auto sp = rd.string(*v, "spread");
          auto parsed = config::parse_spread(sp);
          if (!parsed) rd.fail(*v, "`spread` must be \"auto\", \"peer\", \"zone\" or \"none\"");
          s.spread = *parsed;
        }
        if (auto* v = t.get("max_per_peer")) s.max_per_peer = static_cast<int>(rd.integer(*v, "max_per_peer", 0, 1'000'000));
        if (auto* v = t.get("update")) {
          const toml::table* u = v->as_table();
          if (!u) rd.fail(*v, "`update` must be a table, e.g. { parallelism = 5 }");
          rd.keys(*u, {"parallelism", "min_healthy_time", "healthy_deadline", "auto_revert", "order"},
                  " in update");
          s.update = config::UpdatePolicy{};
          if (auto* w = u->get("order")) {
            const auto o = rd.string(*w, "order");
            if (o != "stop-first" && o != "start-first")
              rd.fail(*w, "`order` must be \"stop-first\" or \"start-first\"");
            if (o == "start-first") s.update->order = config::UpdatePolicy::Order::start_first;
          }
          if (auto* w = u->get("parallelism")) s.update->parallelism = static_cast<int>(rd.integer(*w, "parallelism", 1, 10'000));
          if (auto* w = u->get("min_healthy_time"))
            s.update->min_healthy_time = rd.duration(*w, "min_healthy_time") / gossip::kMillis;
          if (auto* w = u->get("healthy_deadline"))
            s.update->healthy_deadline = rd.duration(*w, "healthy_deadline") / gossip::kMillis;
          if (auto* w = u->get("auto_revert")) s.update->auto_revert = rd.boolean(*w, "auto_revert");
        }
        x.services.push_back(s);
      }
    }

    if (auto* n = root.get("event")) {
      const toml::array* a = n->as_array();
      if (!a || !a->is_array_of_tables()) rd.fail(*n, "`event` must be [[event]] tables");
      for (const auto& el : *a) {
        const toml::table& t = *el.as_table();
        rd.keys(t, {"at", "kill", "stop", "partition", "slow", "join", "restart", "for", "delay",
                    "oneway", "every", "disk", "update", "broken"}, " in [[event]]");
        FaultEvent e;
        e.line = static_cast<int>(t.source().begin.line);
        if (auto* v = t.get("at")) e.at = rd.duration(*v, "at");
        else rd.fail(t, "[[event]] needs `at`");
        int kinds = 0;
        auto count = [&](const char* key, FaultEvent::Kind k) {
          if (auto* v = t.get(key)) {
            ++kinds;
            e.kind = k;
            if (k == FaultEvent::Kind::restart && v->is_string()) {
              if (*v->value<std::string>() != "all") rd.fail(*v, "`restart` must be a count or \"all\"");
              e.count = -1;
            } else {
              e.count = static_cast<int>(rd.integer(*v, key, 1, 1'000'000));
            }
          }
        };
        count("kill", FaultEvent::Kind::kill);
        count("stop", FaultEvent::Kind::stop);
        count("slow", FaultEvent::Kind::slow);
        count("join", FaultEvent::Kind::join);
        count("restart", FaultEvent::Kind::restart);
        if (auto* v = t.get("partition")) {
          ++kinds;
          e.kind = FaultEvent::Kind::partition;
          const toml::array* fa = v->as_array();
          if (!fa || fa->empty()) rd.fail(*v, "`partition` must be a list of fractions, e.g. [0.5]");
          double sum = 0;
          for (const auto& f : *fa) {
            if (!f.is_number()) rd.fail(f, "`partition` fractions must be numbers");
            double d = *f.value<double>();
            if (!(d > 0 && d < 1)) rd.fail(f, "`partition` fractions must be in (0, 1)");
            sum += d;
            e.fractions.push_back(d);
          }
          if (sum >= 1.0) rd.fail(*v, "`partition` fractions must add up to less than 1 (the rest is the last group)");
        }
        if (auto* v = t.get("update")) {
          ++kinds;
          e.kind = FaultEvent::Kind::update;
          e.service = rd.string(*v, "update");
          bool known = false;
          for (const auto& sv : x.services) known = known || sv.name == e.service;
          if (!known) rd.fail(*v, "`update`: no [[service]] named `" + e.service + "`");
        }
        if (kinds != 1)
          rd.fail(t, "[[event]] needs exactly one of kill, stop, partition, slow, join, restart, update");
        const bool needs_for = e.kind == FaultEvent::Kind::stop || e.kind == FaultEvent::Kind::partition ||
                               e.kind == FaultEvent::Kind::slow || e.kind == FaultEvent::Kind::restart;
        if (auto* v = t.get("for")) {
          if (!needs_for) rd.fail(*v, "`for` only applies to stop, partition, slow and restart");
          e.length = rd.duration(*v, "for");
        } else if (needs_for) {
          rd.fail(t, "this [[event]] needs `for` (how long it lasts)");
        }
        if (auto* v = t.get("delay")) {
          if (e.kind != FaultEvent::Kind::slow) rd.fail(*v, "`delay` only applies to slow");
          e.delay = rd.duration(*v, "delay");
        } else if (e.kind == FaultEvent::Kind::slow) {
          rd.fail(t, "a slow [[event]] needs `delay`");
        }
        if (auto* v = t.get("oneway")) {
          if (e.kind != FaultEvent::Kind::partition) rd.fail(*v, "`oneway` only applies to partition");
          e.oneway = rd.boolean(*v, "oneway");
        }
        if (auto* v = t.get("every")) {
          if (e.kind != FaultEvent::Kind::restart) rd.fail(*v, "`every` only applies to restart");
          e.every = rd.duration(*v, "every");
        }
        if (auto* v = t.get("disk")) {
          if (e.kind != FaultEvent::Kind::restart) rd.fail(*v, "`disk` only applies to restart");
          e.disk = rd.boolean(*v, "disk");
        }
        if (auto* v = t.get("broken")) {
          if (e.kind != FaultEvent::Kind::update) rd.fail(*v, "`broken` only applies to update");
          e.broken = rd.boolean(*v, "broken");
        }
        if (e.at > x.duration) rd.fail(*t.get("at"), "`at` is past the experiment's duration");
        x.events.push_back(e);
      }
      std::stable_sort(x.events.begin(), x.events.end(),
                       [](const FaultEvent& a, const FaultEvent& b) { return a.at < b.at; });
    }
  } catch (const Fail& f) {
    return ExperimentError{f.message};
  }
  return x;
}

std::variant<Experiment, ExperimentError> load_experiment(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ExperimentError{path + ":0:0: cannot open"};
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_experiment_text(ss.str(), path);
}

}  // namespace shoal::sim
