// volumes: "name:/data", "/srv/x:/x:ro" and the long syntax ({type: volume|bind, source,
// target, read_only}). Shoal needs an absolute host path for a bind (a relative `./x` depends on
// where compose ran) and has no anonymous or tmpfs volumes.
#include <algorithm>

#include "config/diagnostic.hpp"
#include "config/volume.hpp"
#include "node/convert/compose_parts.hpp"

namespace shoal::convert {
namespace {

// Shoal's text for a volume, or why there is none.
config::Checked<std::string> shoal_volume(const std::string& source, const std::string& target,
                                          bool read_only) {
  using R = config::Checked<std::string>;
  if (source.empty()) return R::fail("an anonymous volume (no source): Shoal has none");
  if (source[0] == '.' || source[0] == '~')
    return R::fail("`" + source + "` is a relative path: give the absolute host path");
  config::Volume v{source, target, read_only ? "ro" : ""};
  auto issues = config::check_volumes({v});
  if (!issues.empty()) return R::fail(issues.front().message);
  return R{v.to_string(), {}};
}

void read_long_volume(Walk& w, ServiceDraft& d, const YAML::Node& n, const std::string& key) {
  std::string type = "volume", source, target;
  bool read_only = false;
  for (const Entry& e : w.mapping(n, key).value_or(std::vector<Entry>{})) {
    const std::string k = key + "." + e.key;
    if (e.key == "type" || e.key == "source" || e.key == "target") {
      auto v = w.scalar(e.value, k);
      if (v) (e.key == "type" ? type : e.key == "source" ? source : target) = *v;
    } else if (e.key == "read_only") {
      auto v = w.scalar(e.value, k);
      read_only = v && *v == "true";
    } else {
      not_converted(w, d, e.key_node, k, "Shoal has no equivalent");
    }
  }
  if (type != "volume" && type != "bind") {
    not_converted(w, d, n, key, "Shoal has no " + type + " volumes");
    return;
  }
  auto v = shoal_volume(source, target, read_only);
  if (v.ok()) d.volumes.push_back(*v.value);
  else not_converted(w, d, n, key, v.error);
}

// The short syntax: SOURCE:TARGET[:MODE]; MODE may list options ("ro,z"): ro and rw are Shoal's.
void read_short(Walk& w, ServiceDraft& d, const YAML::Node& item, const std::string& k,
                const std::string& text) {
  const std::size_t a = text.find(':');
  const std::size_t b = a == std::string::npos ? a : text.find(':', a + 1);
  std::string source = a == std::string::npos ? "" : text.substr(0, a);
  std::string target = a == std::string::npos ? text : text.substr(a + 1, b - a - 1);
  bool read_only = false;
  if (b != std::string::npos) {
    std::string mode = text.substr(b + 1), other;
    for (std::size_t p = 0; p <= mode.size();) {
      const std::size_t comma = std::min(mode.find(',', p), mode.size());
      const std::string opt = mode.substr(p, comma - p);
      if (opt == "ro") read_only = true;
      else if (opt != "rw") other += (other.empty() ? "" : ",") + opt;
      p = comma + 1;
    }
    if (!other.empty())
      not_converted(w, d, item, k, "options `" + other + "` (Shoal takes ro or rw)");
  }
  auto v = shoal_volume(source, target, read_only);
  if (v.ok()) d.volumes.push_back(*v.value);
  else not_converted(w, d, item, k, v.error);
}

}  // namespace

void read_volumes(Walk& w, const YAML::Node& n, const std::string& key, ServiceDraft& d) {
  auto items = w.sequence(n, key);
  if (!items) return;
  each_item(
      w, *items, key,
      [&](const YAML::Node& item, const std::string& k) { read_long_volume(w, d, item, k); },
      [&](const YAML::Node& item, const std::string& k, const std::string& text) {
        read_short(w, d, item, k, text);
      });
}

}  // namespace shoal::convert
