// Peer files: the top-level keys of DESIGN.md "Peer file" -> PeerConfig.
#include <cctype>

#include "config/parse.hpp"
#include "config/toml_reader.hpp"
#include "config/volume.hpp"

namespace shoal::config {
namespace {

using detail::Reader;
using detail::with;

std::string check_label_key(std::string_view key) {
  if (key.empty()) return "label keys must not be empty";
  for (char c : key)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
          c == '/'))
      return "label key `" + std::string(key) +
             "` may only contain letters, digits, '_', '-', '.' and '/'";
  return {};
}

std::string check_peer_name(std::string_view name) {
  if (name.size() > 63) return "name is longer than 63 characters";
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
      return "name may only contain letters, digits, '_', '-' and '.'";
  return {};
}

// A domain DNS can carry: dot-separated labels of 1..63 letters, digits and '-', 253 at most.
std::string check_dns_domain(std::string_view d) {
  if (d.size() > 180) return "a domain is at most 180 characters";
  std::size_t label = 0;
  for (std::size_t i = 0; i <= d.size(); ++i) {
    if (i == d.size() || d[i] == '.') {
      if (label == 0 || label > 63) return "`" + std::string(d) + "` has an empty or too long label";
      label = 0;
    } else if (std::isalnum(static_cast<unsigned char>(d[i])) || d[i] == '-') {
      ++label;
    } else {
      return "`" + std::string(d) + "` may only contain letters, digits, '-' and dots";
    }
  }
  return {};
}

void read_duration(Reader& r, const toml::table& t, std::string_view key, std::string_view where,
                   Millis min, Millis& out) {
  with(t, key, [&](const toml::node& v) {
    if (auto d = r.duration(v, std::string(where) + "." + std::string(key), min)) out = *d;
  });
}

void read_duration(Reader& r, const toml::table& t, std::string_view key, std::string_view where,
                   Millis min, std::optional<Millis>& out) {
  with(t, key, [&](const toml::node& v) {
    if (auto d = r.duration(v, std::string(where) + "." + std::string(key), min)) out = *d;
  });
}

template <typename Int>
void read_int(Reader& r, const toml::table& t, std::string_view key, std::string_view where,
              std::int64_t min, Int& out) {
  with(t, key, [&](const toml::node& v) {
    if (auto i = r.integer(v, std::string(where) + "." + std::string(key), min))
      out = static_cast<int>(*i);
  });
}

void read_string(Reader& r, const toml::table& t, std::string_view key, std::string_view name,
                 bool allow_empty, std::string& out) {
  with(t, key, [&](const toml::node& v) {
    if (auto s = r.string(v, name, allow_empty)) out = *s;
  });
}

void read_gossip(Reader& r, const toml::table& t, GossipSettings& g) {
  r.check_keys(t,
               {"profile", "probe_interval", "probe_timeout", "gossip_interval",
                "push_pull_interval", "reconnect_timeout", "tombstone_ttl", "max_clock_skew",
                "join_grace", "indirect_checks", "suspicion_mult", "suspicion_max_mult",
                "gossip_nodes", "retransmit_mult", "tree_broadcast", "tree_min_members"},
               "gossip");
  with(t, "profile", [&](const toml::node& v) {
    if (auto c = r.choice(v, "gossip.profile", {"lan", "wan", "local", "fast"})) g.profile = *c;
  });
  read_duration(r, t, "probe_interval", "gossip", 1, g.probe_interval);
  read_duration(r, t, "probe_timeout", "gossip", 1, g.probe_timeout);
  read_duration(r, t, "gossip_interval", "gossip", 1, g.gossip_interval);
  read_duration(r, t, "push_pull_interval", "gossip", 1, g.push_pull_interval);
  read_duration(r, t, "reconnect_timeout", "gossip", 1, g.reconnect_timeout);
  read_duration(r, t, "tombstone_ttl", "gossip", 1, g.tombstone_ttl);
  read_duration(r, t, "max_clock_skew", "gossip", 1, g.max_clock_skew);
  read_duration(r, t, "join_grace", "gossip", 0, g.join_grace);
  read_int(r, t, "indirect_checks", "gossip", 0, g.indirect_checks);
  read_int(r, t, "suspicion_mult", "gossip", 1, g.suspicion_mult);
  read_int(r, t, "suspicion_max_mult", "gossip", 1, g.suspicion_max_mult);
  read_int(r, t, "gossip_nodes", "gossip", 1, g.gossip_nodes);
  read_int(r, t, "retransmit_mult", "gossip", 1, g.retransmit_mult);
  read_int(r, t, "tree_min_members", "gossip", 2, g.tree_min_members);
  with(t, "tree_broadcast", [&](const toml::node& v) {
    if (auto b = r.boolean(v, "gossip.tree_broadcast")) g.tree_broadcast = *b;
  });
}

void read_resources(Reader& r, const toml::table& t, PeerConfig& p) {
  r.check_keys(t, {"cpu", "memory"}, "resources");
  with(t, "cpu", [&](const toml::node& v) {
    bool is_auto = false;
    if (auto m = r.cpu_milli(v, "resources.cpu", true, is_auto)) {
      if (is_auto) p.cpu_milli.reset();
      else p.cpu_milli = *m;
    }
  });
  with(t, "memory", [&](const toml::node& v) {
    bool is_auto = false;
    if (auto m = r.memory_mib(v, "resources.memory", true, is_auto)) {
      if (is_auto) p.memory_mib.reset();
      else p.memory_mib = *m;
    }
  });
}

}  // namespace

Parsed<PeerConfig> parse_peer_file(std::string_view text, std::string_view path) {
  Parsed<PeerConfig> out;
  auto root = detail::parse_toml(text, path, out.errors);
  if (!root) return out;
  Reader r(path);
  const toml::table& t = *root;
  PeerConfig p;
  r.check_keys(t,
               {"name", "bind", "advertise", "join", "zone", "labels", "data_dir", "services_dir",
                "resources", "gossip", "api", "runtime", "reconcile", "security", "dns",
                "limits", "service"},
               "");
  with(t, "service", [&](const toml::node& v) {
    // A `service` table makes a service file (detect_kind), so a peer file has no such key.
    r.error(v, v.is_table() ? "a peer file has no [service] tables (this is a service file)"
                            : "service must be a table of services, like [service.web]");
  });
  with(t, "name", [&](const toml::node& v) {
    auto s = r.string(v, "name");
    if (!s) return;
    if (std::string why = check_peer_name(*s); !why.empty()) r.error(v, why);
    else p.name = *s;
  });
  with(t, "bind", [&](const toml::node& v) {
    if (auto a = r.address(v, "bind")) p.bind = *a;
  });
  with(t, "advertise", [&](const toml::node& v) {
    if (auto a = r.address(v, "advertise")) p.advertise = *a;
  });
  with(t, "join", [&](const toml::node& v) {
    const toml::array* a = v.as_array();
    if (a == nullptr) {
      r.error(v, "join must be an array of addresses like [\"10.0.0.4:7950\"]");
      return;
    }
    for (std::size_t i = 0; i < a->size(); ++i)
      if (auto addr = r.address(*a->get(i), "join[" + std::to_string(i) + "]"))
        p.join.push_back(*addr);
  });
  read_string(r, t, "zone", "zone", true, p.zone);
  with(t, "labels", [&](const toml::node& v) {
    if (auto m = r.text_map(v, "labels", check_label_key)) p.labels = std::move(*m);
  });
  read_string(r, t, "data_dir", "data_dir", false, p.data_dir);
  read_string(r, t, "services_dir", "services_dir", false, p.services_dir);
  with(t, "resources", [&](const toml::node& v) {
    if (const toml::table* rt = r.table(v, "resources")) read_resources(r, *rt, p);
  });
  with(t, "gossip", [&](const toml::node& v) {
    if (const toml::table* gt = r.table(v, "gossip")) read_gossip(r, *gt, p.gossip);
  });
  with(t, "api", [&](const toml::node& v) {
    const toml::table* at = r.table(v, "api");
    if (at == nullptr) return;
    r.check_keys(*at, {"listen", "token_file", "socket", "socket_group"}, "api");
    with(*at, "listen", [&](const toml::node& l) {
      if (auto a = r.address(l, "api.listen")) p.api.listen = *a;
    });
    read_string(r, *at, "token_file", "api.token_file", false, p.api.token_file);
    read_string(r, *at, "socket", "api.socket", false, p.api.socket);
    read_string(r, *at, "socket_group", "api.socket_group", false, p.api.socket_group);
  });
  with(t, "runtime", [&](const toml::node& v) {
    const toml::table* rt = r.table(v, "runtime");
    if (rt == nullptr) return;
    r.check_keys(*rt, {"driver", "socket", "orphan_timeout", "registry_auth", "bind_roots",
                       "log_retention"},
                 "runtime");
    with(*rt, "driver", [&](const toml::node& d) {
      if (auto c = r.choice(d, "runtime.driver", {"process", "docker"})) p.runtime.driver = *c;
    });
    read_string(r, *rt, "socket", "runtime.socket", false, p.runtime.socket);
    read_duration(r, *rt, "orphan_timeout", "runtime", 1, p.runtime.orphan_timeout);
    read_duration(r, *rt, "log_retention", "runtime", 1, p.runtime.log_retention);
    with(*rt, "registry_auth", [&](const toml::node& a) {
      auto path = r.string(a, "runtime.registry_auth");
      if (path && (*path)[0] != '/')
        r.error(a, "runtime.registry_auth must be an absolute path "
                   "(like /etc/shoal/registry.json)");
      else if (path) p.runtime.registry_auth = *path;
    });
    with(*rt, "bind_roots", [&](const toml::node& b) {
      const toml::array* a = b.as_array();
      if (a == nullptr) {
        r.error(b, "runtime.bind_roots must be an array of absolute paths like [\"/srv/shoal\"]");
        return;
      }
      for (std::size_t i = 0; i < a->size(); ++i) {
        const std::string key = "runtime.bind_roots[" + std::to_string(i) + "]";
        auto path = r.string(*a->get(i), key);
        if (!path) continue;
        if (std::string why = path_problem(*path); !why.empty())
          r.error(*a->get(i), key + ": " + why);
        else
          p.runtime.bind_roots.push_back(*path);
      }
    });
  });
  with(t, "reconcile", [&](const toml::node& v) {
    const toml::table* rt = r.table(v, "reconcile");
    if (rt == nullptr) return;
    r.check_keys(*rt, {"solo_after", "max_starts_per_second", "handoff_timeout"}, "reconcile");
    read_duration(r, *rt, "solo_after", "reconcile", 0, p.reconcile.solo_after);
    read_int(r, *rt, "max_starts_per_second", "reconcile", 1, p.reconcile.max_starts_per_second);
    read_duration(r, *rt, "handoff_timeout", "reconcile", 1, p.reconcile.handoff_timeout);
  });
  with(t, "security", [&](const toml::node& v) {
    const toml::table* st = r.table(v, "security");
    if (st == nullptr) return;
    r.check_keys(*st, {"keyring", "label", "insecure"}, "security");
    read_string(r, *st, "keyring", "security.keyring", false, p.security.keyring);
    read_string(r, *st, "label", "security.label", true, p.security.label);
    with(*st, "insecure", [&](const toml::node& n) {
      if (auto b = r.boolean(n, "security.insecure")) p.security.insecure = *b;
      if (p.security.insecure && !p.security.keyring.empty()) {
        r.error(n, "security.insecure = true turns sealing off: remove it, or remove "
                   "security.keyring");
      }
    });
  });
  with(t, "limits", [&](const toml::node& v) {
    const toml::table* lt = r.table(v, "limits");
    if (lt == nullptr) return;
    r.check_keys(*lt, {"max_replicas"}, "limits");
    with(*lt, "max_replicas", [&](const toml::node& n) {
      if (auto i = r.integer(n, "limits.max_replicas", 0, 100'000))
        p.limits.max_replicas = static_cast<int>(*i);
    });
  });
  with(t, "dns", [&](const toml::node& v) {
    const toml::table* dt = r.table(v, "dns");
    if (dt == nullptr) return;
    r.check_keys(*dt, {"listen", "domain", "ttl", "enabled"}, "dns");
    with(*dt, "listen", [&](const toml::node& l) {
      if (auto a = r.address(l, "dns.listen")) p.dns.listen = *a;
    });
    with(*dt, "domain", [&](const toml::node& d) {
      auto s = r.string(d, "dns.domain", false);
      if (!s) return;
      if (std::string why = check_dns_domain(*s); !why.empty()) {
        r.error(d, "dns.domain: " + why);
      } else {
        p.dns.domain = *s;
      }
    });
    read_duration(r, *dt, "ttl", "dns", 0, p.dns.ttl);
    with(*dt, "enabled", [&](const toml::node& n) {
      if (auto b = r.boolean(n, "dns.enabled")) p.dns.enabled = *b;
    });
  });
  out.errors = r.take();
  if (out.errors.empty()) out.value = std::move(p);
  return out;
}

FileKind detect_kind(std::string_view text) {
  Diagnostic ignored;
  if (auto root = detail::parse_toml(text, "", ignored)) {
    const toml::node* s = root->get("service");
    return s != nullptr && s->is_table() ? FileKind::service : FileKind::peer;
  }
  // Not valid TOML: look for a service header or dotted key at the start of a line.
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string line;
    for (char c : text.substr(pos, end - pos))
      if (c != ' ' && c != '\t') line += c;
    if (line.rfind("[service.", 0) == 0 || line.rfind("[service]", 0) == 0 ||
        line.rfind("[[service", 0) == 0 || line.rfind("service.", 0) == 0 ||
        line.rfind("service=", 0) == 0)
      return FileKind::service;
    pos = end + 1;
  }
  return FileKind::peer;
}

}  // namespace shoal::config
