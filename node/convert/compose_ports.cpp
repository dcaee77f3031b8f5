// ports: the short syntax ("8080:80", "127.0.0.1:9229:9229", "53:53/udp", 80) and the long one
// ({target, published, protocol, host_ip, name, mode}). Shoal's ports are TCP, published on
// every address of the peer, and named: NAME = "p" + the container port (p80, then p80-2 ...)
// unless the long syntax names it.
#include <algorithm>

#include "config/validate_spec.hpp"
#include "node/convert/compose_parts.hpp"
#include "node/convert/compose_values.hpp"

namespace shoal::convert {
namespace {

std::string port_name(const ServiceDraft& d, const std::string& wanted, std::uint16_t container) {
  auto taken = [&](const std::string& n) {
    return std::any_of(d.ports.begin(), d.ports.end(),
                       [&](const config::Port& p) { return p.name == n; });
  };
  std::string base = wanted;
  for (char& c : base) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (base.empty() || !config::check_port_name(base).empty())
    base = "p" + std::to_string(container);
  std::string name = base;
  for (int i = 2; taken(name); ++i) name = base + "-" + std::to_string(i);
  return name;
}

// Adds the port, or says why not; `at` is where a warning points.
void add_port(Walk& w, ServiceDraft& d, const YAML::Node& at, const std::string& key,
              const PortSpec& p, const std::string& name) {
  if (p.protocol != "tcp") {
    not_converted(w, d, at, key, "Shoal's ports are TCP, not " + p.protocol);
    return;
  }
  if (!p.host_ip.empty() && p.host_ip != "0.0.0.0" && p.host_ip != "::") {
    // Publishing it on every address would widen who can reach it: left out instead.
    not_converted(w, d, at, key, "Shoal publishes ports on every address, not only " +
                                     p.host_ip + " (left out rather than exposed)");
    return;
  }
  if (p.host && std::any_of(d.ports.begin(), d.ports.end(),
                            [&](const config::Port& q) { return q.host == p.host; })) {
    w.error(at, key, "host port " + std::to_string(*p.host) + " is published twice");
    return;
  }
  d.ports.push_back(config::Port{port_name(d, name, p.container), p.container, p.host});
}

void read_long_port(Walk& w, ServiceDraft& d, const YAML::Node& n, const std::string& key) {
  PortSpec p;
  std::string name;
  bool ok = true;
  for (const Entry& e : w.mapping(n, key).value_or(std::vector<Entry>{})) {
    const std::string k = key + "." + e.key;
    if (e.key == "target") {
      auto v = w.integer(e.value, k, 1, 65535);
      if (v) p.container = static_cast<std::uint16_t>(*v);
      ok = ok && v;
    } else if (e.key == "published") {
      auto text = w.scalar(e.value, k);
      auto spec = text ? parse_port_spec(*text + ":1") : config::Checked<PortSpec>{};
      if (spec.ok() && spec.value->host_ip.empty()) {
        p.host = spec.value->host;
      } else if (text) {
        not_converted(w, d, e.value, k, spec.ok() ? "`" + *text + "` is not a host port"
                                                  : spec.error);
        ok = false;
      }
    } else if (e.key == "protocol" || e.key == "host_ip" || e.key == "name") {
      auto v = w.scalar(e.value, k);
      if (!v) ok = false;
      else (e.key == "protocol" ? p.protocol : e.key == "host_ip" ? p.host_ip : name) = *v;
    } else if (e.key == "mode") {
      // Shoal publishes a port on the peer that runs the instance: swarm's mode host.
      auto v = w.scalar(e.value, k);
      if (v && *v != "host")
        w.warn(e.value, k, "converted as mode host: Shoal has no routing mesh, the port is "
                           "published on the peer that runs the instance");
    } else {
      not_converted(w, d, e.key_node, k, "Shoal has no equivalent");
    }
  }
  if (p.container == 0 && ok) {
    w.error(n, key, "a port needs `target` (the port the container listens on)");
    return;
  }
  if (ok) add_port(w, d, n, key, p, name);
}

}  // namespace

void read_ports(Walk& w, const YAML::Node& n, const std::string& key, ServiceDraft& d) {
  auto items = w.sequence(n, key);
  if (!items) return;
  // Shoal's bound; names and host ports are checked against the ports so far (quadratic).
  constexpr std::size_t kMaxPorts = 256;
  if (items->size() > kMaxPorts) {
    w.error(n, key, "more than " + std::to_string(kMaxPorts) + " ports (Shoal's bound)");
    return;
  }
  each_item(
      w, *items, key,
      [&](const YAML::Node& item, const std::string& k) { read_long_port(w, d, item, k); },
      [&](const YAML::Node& item, const std::string& k, const std::string& text) {
        auto spec = parse_port_spec(text);
        if (!spec.ok()) not_converted(w, d, item, k, spec.error);
        else add_port(w, d, item, k, *spec.value, "");
      });
}

}  // namespace shoal::convert
