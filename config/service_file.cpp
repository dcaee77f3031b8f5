// Service files: [service.NAME] tables -> ServiceSpec.
#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "config/constraint.hpp"
#include "config/parse.hpp"
#include "config/toml_reader.hpp"
#include "config/units.hpp"
#include "config/reschedule_policy.hpp"
#include "config/update_policy.hpp"
#include "config/validate_spec.hpp"
#include "config/volume.hpp"

namespace shoal::config {
namespace {

using detail::Reader;
using detail::with;

void read_ports(Reader& r, const toml::node& n, ServiceSpec& s) {
  const toml::table* t = r.table(n, "ports");
  if (t == nullptr) return;
  std::map<std::uint16_t, std::string> static_hosts;
  for (auto&& [key, value] : *t) {
    const std::string name(key.str());
    const std::string where = "ports." + name;
    if (std::string why = check_port_name(name); !why.empty()) {
      r.error(key.source(), why);
      continue;
    }
    Port p;
    p.name = name;
    if (value.is_integer()) {
      auto v = r.integer(value, where, 1, 65535);
      if (!v) continue;
      p.container = static_cast<std::uint16_t>(*v);
    } else if (const toml::table* pt = value.as_table()) {
      r.check_keys(*pt, {"container", "host"}, where);
      const toml::node* c = pt->get("container");
      if (c == nullptr) {
        r.error(value, where + " needs `container` (the port the instance listens on)");
        continue;
      }
      auto cv = r.integer(*c, where + ".container", 1, 65535);
      if (cv) p.container = static_cast<std::uint16_t>(*cv);
      bool ok = cv.has_value();
      with(*pt, "host", [&](const toml::node& h) {
        auto hv = r.integer(h, where + ".host", 1, 65535);
        if (!hv) {
          ok = false;
          return;
        }
        p.host = static_cast<std::uint16_t>(*hv);
        auto [it, fresh] = static_hosts.emplace(*p.host, name);
        if (!fresh) {
          r.error(h, where + ".host: host port " + std::to_string(*p.host) +
                         " is already used by ports." + it->second);
          ok = false;
        }
      });
      if (!ok) continue;
    } else {
      r.error(value, where + " must be a port number or { container = N, host = M }");
      continue;
    }
    s.ports.push_back(std::move(p));
  }
  std::sort(s.ports.begin(), s.ports.end(),
            [](const Port& a, const Port& b) { return a.name < b.name; });
}

std::string port_list(const ServiceSpec& s) {
  if (s.ports.empty()) return "the service has no ports";
  std::string out = "ports:";
  for (const Port& p : s.ports) out += " " + p.name;
  return out;
}

void read_health(Reader& r, const toml::node& n, ServiceSpec& s, bool ports_known) {
  const toml::table* t = r.table(n, "health");
  if (t == nullptr) return;
  r.check_keys(*t, {"http", "tcp", "exec", "port", "interval", "timeout", "retries"}, "health");
  HealthCheck h;
  int kinds = 0;
  bool ok = true;
  for (std::string_view kind : {"http", "tcp", "exec"}) {
    const toml::node* k = t->get(kind);
    if (k == nullptr) continue;
    if (++kinds > 1) {
      r.error(*k, "health takes only one of http, tcp or exec");
      ok = false;
    }
  }
  if (kinds == 0) {
    r.error(n, "health needs one of http, tcp or exec");
    ok = false;
  }
  const toml::node* port = t->get("port");
  with(*t, "http", [&](const toml::node& v) {
    h.kind = HealthCheck::Kind::http;
    auto path = r.string(v, "health.http");
    if (path && (*path)[0] != '/') {
      r.error(v, "health.http must be a path starting with '/'");
      ok = false;
    }
    if (path) h.http_path = *path;
    else ok = false;
    if (port == nullptr) {
      r.error(v, "health.http needs `port`, the name of one of the service's ports");
      ok = false;
    }
  });
  if (port != nullptr) {
    auto name = r.string(*port, "health.port");
    if (!name) {
      ok = false;
    } else if (t->get("http") == nullptr) {
      r.error(*port, "health.port goes only with health.http");
      ok = false;
    } else if (ports_known && !has_port(s, *name)) {
      r.error(*port, "health.port `" + *name + "` is not a port of this service (" +
                         port_list(s) + ")");
      ok = false;
    } else {
      h.port = *name;
    }
  }
  with(*t, "tcp", [&](const toml::node& v) {
    h.kind = HealthCheck::Kind::tcp;
    auto name = r.string(v, "health.tcp");
    if (!name) {
      ok = false;
    } else if (ports_known && !has_port(s, *name)) {
      r.error(v, "health.tcp `" + *name + "` is not a port of this service (" + port_list(s) +
                     ")");
      ok = false;
    } else {
      h.port = *name;
    }
  });
  with(*t, "exec", [&](const toml::node& v) {
    h.kind = HealthCheck::Kind::exec;
    if (auto argv = r.string_array(v, "health.exec")) h.exec = std::move(*argv);
    else ok = false;
  });
  bool interval_ok = true, timeout_ok = false;
  with(*t, "interval", [&](const toml::node& v) {
    if (auto d = r.duration(v, "health.interval", 1)) h.interval = *d;
    else interval_ok = false;
  });
  with(*t, "timeout", [&](const toml::node& v) {
    if (auto d = r.duration(v, "health.timeout", 1)) h.timeout = *d, timeout_ok = true;
  });
  // A probe must end before the next one is due. Only a timeout the file sets is refused: the
  // default (2 s) with a shorter interval is capped at run time (runtime::capped_timeout).
  if (const toml::node* v = t->get("timeout"); v && timeout_ok && interval_ok &&
                                               h.timeout >= h.interval) {
    r.error(*v, "health.timeout (" + format_duration(h.timeout) +
                    ") must be less than health.interval (" + format_duration(h.interval) +
                    (t->get("interval") ? "" : ", the default") + ")");
    ok = false;
  }
  with(*t, "retries", [&](const toml::node& v) {
    if (auto i = r.integer(v, "health.retries", 1)) h.retries = static_cast<int>(*i);
  });
  if (ok) s.health = std::move(h);
}

void read_restart(Reader& r, const toml::node& n, ServiceSpec& s) {
  const toml::table* t = r.table(n, "restart");
  if (t == nullptr) return;
  r.check_keys(*t, {"condition", "delay", "max_delay", "max_attempts"}, "restart");
  RestartPolicy& p = s.restart;
  with(*t, "condition", [&](const toml::node& v) {
    auto c = r.choice(v, "restart.condition", {"any", "on-failure", "none"});
    if (c) p.condition = *restart_condition_from_name(*c);
  });
  bool delays_ok = true;
  with(*t, "delay", [&](const toml::node& v) {
    if (auto d = r.duration(v, "restart.delay", 1)) p.delay = *d;
    else delays_ok = false;
  });
  with(*t, "max_delay", [&](const toml::node& v) {
    if (auto d = r.duration(v, "restart.max_delay", 1)) p.max_delay = *d;
    else delays_ok = false;
  });
  with(*t, "max_attempts", [&](const toml::node& v) {
    if (auto i = r.integer(v, "restart.max_attempts", 0)) p.max_attempts = static_cast<int>(*i);
  });
  if (delays_ok && p.max_delay < p.delay) {
    if (const toml::node* at = t->get("max_delay"))
      r.error(*at, "restart.max_delay (" + format_duration(p.max_delay) +
                       ") must be >= restart.delay (" + format_duration(p.delay) + ")");
    else
      r.error(*t->get("delay"), "restart.delay (" + format_duration(p.delay) +
                                    ") is above the default max_delay (" +
                                    format_duration(p.max_delay) + "); set restart.max_delay");
  }
}

void read_placement(Reader& r, const toml::node& n, ServiceSpec& s) {
  const toml::table* t = r.table(n, "placement");
  if (t == nullptr) return;
  r.check_keys(*t, {"constraints", "spread", "max_per_peer", "home"}, "placement");
  Placement& p = s.placement;
  with(*t, "constraints", [&](const toml::node& v) {
    const toml::array* a = v.as_array();
    if (a == nullptr) {
      r.error(v, "placement.constraints must be an array of strings like \"zone != eu-3\"");
      return;
    }
    for (std::size_t i = 0; i < a->size(); ++i) {
      const toml::node& e = *a->get(i);
      const auto* text = e.as_string();
      if (text == nullptr) {
        r.error(e, "placement.constraints[" + std::to_string(i) + "] must be a string");
        continue;
      }
      auto c = parse_constraint(text->get());
      if (!c.ok()) {
        r.error(e, "placement.constraints: invalid constraint `" + text->get() + "`: " + c.error);
        continue;
      }
      p.constraints.push_back(std::move(*c.value));
    }
  });
  with(*t, "spread", [&](const toml::node& v) {
    if (auto c = r.choice(v, "placement.spread", {"auto", "peer", "zone", "none"}))
      p.spread = parse_spread(*c).value_or(Placement::Spread::automatic);
  });
  with(*t, "max_per_peer", [&](const toml::node& v) {
    if (auto i = r.integer(v, "placement.max_per_peer", 0)) p.max_per_peer = static_cast<int>(*i);
  });
  with(*t, "home", [&](const toml::node& v) {
    if (auto b = r.boolean(v, "placement.home")) p.home = *b;
  });
}

void read_resources(Reader& r, const toml::node& n, ServiceSpec& s) {
  const toml::table* t = r.table(n, "resources");
  if (t == nullptr) return;
  r.check_keys(*t, {"cpu", "memory"}, "resources");
  bool is_auto = false;
  with(*t, "cpu", [&](const toml::node& v) {
    if (const auto* str = v.as_string(); str && str->get() == "auto") {
      r.error(v, "resources.cpu cannot be \"auto\" in a service (give cores or \"500m\")");
      return;
    }
    if (auto m = r.cpu_milli(v, "resources.cpu", false, is_auto)) s.resources.cpu_milli = *m;
  });
  with(*t, "memory", [&](const toml::node& v) {
    if (const auto* str = v.as_string(); str && str->get() == "auto") {
      r.error(v, "resources.memory cannot be \"auto\" in a service (give a size like \"256MiB\")");
      return;
    }
    if (auto m = r.memory_mib(v, "resources.memory", false, is_auto))
      s.resources.memory_mib = *m;
  });
}

ServiceSpec read_service(Reader& r, const std::string& name, const toml::node& node,
                         const toml::table& t) {
  ServiceSpec s;
  s.name = name;
  const std::string where = "service." + name;
  r.check_keys(t,
               {"image", "command", "replicas", "ports", "env", "resources", "restart", "health",
                "placement", "stop_grace", "home_peer", "mode", "volumes", "update",
                "reschedule"},
               where);
  with(t, "home_peer", [&](const toml::node& v) {
    r.error(v, "home_peer is set by the peer that publishes the file; remove it "
               "(use placement.home = true)");
  });
  with(t, "image", [&](const toml::node& v) {
    if (auto str = r.string(v, "image")) s.image = *str;
  });
  with(t, "command", [&](const toml::node& v) {
    if (auto argv = r.string_array(v, "command")) s.command = std::move(*argv);
  });
  if (t.get("image") == nullptr && t.get("command") == nullptr)
    r.error(node, "service `" + name + "` needs an image or a command");
  with(t, "replicas", [&](const toml::node& v) {
    if (auto i = r.integer(v, "replicas", 0)) s.replicas = static_cast<int>(*i);
  });
  // Port names are checked by health only when the ports table parsed cleanly; otherwise its
  // own errors say enough.
  const std::size_t before_ports = r.error_count();
  with(t, "ports", [&](const toml::node& v) { read_ports(r, v, s); });
  const bool ports_known = r.error_count() == before_ports;
  with(t, "env", [&](const toml::node& v) {
    if (auto m = r.text_map(v, "env", check_env_name)) s.env = std::move(*m);
  });
  with(t, "resources", [&](const toml::node& v) { read_resources(r, v, s); });
  with(t, "restart", [&](const toml::node& v) { read_restart(r, v, s); });
  with(t, "health", [&](const toml::node& v) { read_health(r, v, s, ports_known); });
  with(t, "placement", [&](const toml::node& v) { read_placement(r, v, s); });
  with(t, "update", [&](const toml::node& v) { detail::read_update(r, v, s); });
  with(t, "stop_grace", [&](const toml::node& v) {
    if (auto d = r.duration(v, "stop_grace", 0)) s.stop_grace = *d;
  });
  // Split here; checked with the rest by the validator (check_limits), at the entry's position.
  with(t, "volumes", [&](const toml::node& v) {
    if (const toml::array* a = v.as_array(); a != nullptr && a->empty()) return;  // none
    if (auto list = r.string_array(v, "volumes"))
      for (const std::string& text : *list) s.volumes.push_back(parse_volume(text));
  });
  with(t, "mode", [&](const toml::node& v) {
    if (auto c = r.choice(v, "mode", {"replicated", "global"}))
      s.placement.mode = *c == "global" ? Placement::Mode::global : Placement::Mode::replicated;
  });
  with(t, "reschedule", [&](const toml::node& v) { detail::read_reschedule(r, v, s); });
  if (s.placement.mode == Placement::Mode::global) {
    with(t, "replicas", [&](const toml::node& v) {
      r.error(v, "replicas has no meaning with mode = \"global\" (one instance on every eligible "
                 "peer); remove it");
    });
    if (s.placement.home)
      r.error(*t.get("placement"), "placement.home has no meaning with mode = \"global\"; remove it");
  }
  return s;
}

// The node a validator field ("resources.memory", "volumes[2]") names: its longest prefix that
// exists under the service's table (with the array's element for a top-level `key[N]`), else
// the table itself.
const toml::node& locate(const toml::node& service, const std::string& field) {
  const toml::node* at = &service;
  std::string_view rest(field);
  if (const std::size_t open = rest.find('['); open != std::string_view::npos) {
    const toml::table* t = service.as_table();
    const toml::node* key = t ? t->get(rest.substr(0, open)) : nullptr;
    const toml::array* a = key ? key->as_array() : nullptr;
    const std::size_t i = std::strtoul(field.c_str() + open + 1, nullptr, 10);
    if (a != nullptr && i < a->size()) return *a->get(i);
  }
  rest = rest.substr(0, rest.find('['));
  while (!rest.empty()) {
    const std::size_t dot = rest.find('.');
    const toml::table* t = at->as_table();
    const toml::node* next = t ? t->get(rest.substr(0, dot)) : nullptr;
    if (next == nullptr) break;
    at = next;
    rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
  }
  return *at;
}

// The limits of validate_spec.hpp, for a service the reader found no fault in (its errors
// come first; a value it rejected was not stored, so nothing is reported twice).
void check_limits(Reader& r, const ServiceSpec& s, const toml::node& node,
                  const SpecLimits& limits) {
  for (const SpecIssue& i : validate(s, limits)) r.error(locate(node, i.field), i.message);
}

}  // namespace

Parsed<std::vector<ServiceSpec>> parse_service_file(std::string_view text, std::string_view path) {
  return parse_service_file(text, path, SpecLimits{}.max_replicas);
}

Parsed<std::vector<ServiceSpec>> parse_service_file(std::string_view text, std::string_view path,
                                                     int max_replicas) {
  const SpecLimits limits{max_replicas};
  Parsed<std::vector<ServiceSpec>> out;
  auto root = detail::parse_toml(text, path, out.errors);
  if (!root) return out;
  Reader r(path);
  r.check_keys(*root, {"service"}, "");
  std::vector<ServiceSpec> services;
  if (const toml::node* n = root->get("service")) {
    if (const toml::table* all = r.table(*n, "service")) {
      if (all->empty()) r.error(*n, "no services: add a [service.NAME] table");
      for (auto&& [key, value] : *all) {
        const std::string name(key.str());
        const std::size_t before = r.error_count();
        // A bad name is reported, and the body is still checked so every error shows at once.
        if (std::string why = check_service_name(name); !why.empty()) {
          r.error(key.source(), why + ": `" + name + "`");
        }
        const toml::table* t = value.as_table();
        if (t == nullptr) {
          r.error(value, "service." + name + " must be a table ([service." + name + "])");
          continue;
        }
        services.push_back(read_service(r, name, value, *t));
        if (r.error_count() == before) check_limits(r, services.back(), value, limits);
      }
    }
  } else {
    Diagnostic d{std::string(path), 1, 1, "no [service.NAME] table: this is not a service file"};
    out.errors.push_back(std::move(d));
  }
  auto errors = r.take();
  out.errors.insert(out.errors.end(), errors.begin(), errors.end());
  if (out.errors.empty()) out.value = std::move(services);
  return out;
}

}  // namespace shoal::config
