// One compose service -> ServiceDraft: the keys that map one to one, environment, restart, and
// the list of keys Shoal has no equivalent for (each with a hint of what to do instead).
#include <algorithm>
#include <map>
#include <set>

#include "config/units.hpp"
#include "config/validate_spec.hpp"
#include "node/convert/compose_parts.hpp"
#include "node/convert/compose_values.hpp"

namespace shoal::convert {
namespace {

// Why a compose key is not converted, where a hint helps more than "no Shoal equivalent".
std::string why_not(const std::string& k) {
  static const std::map<std::string, std::string> kHints = {
      {"build", "Shoal runs images: build and push it, then set `image`"},
      {"depends_on", "Shoal starts services independently; a service retries what it needs"},
      {"links", "instances find each other with `shoal endpoints` or DNS (NAME.service.shoal)"},
      {"networks", "instances find each other with `shoal endpoints` or DNS (NAME.service.shoal)"},
      {"network_mode", "instances run on the engine's default network"},
      {"container_name", "Shoal names the instances itself"},
      {"hostname", "Shoal names the instances itself"},
      {"env_file", "Shoal reads no env files: copy the variables into `environment`"},
      {"expose", "only published ports (`ports`) are converted"},
      {"secrets", "Shoal has no secrets: mount a host file with a bind volume"},
      {"configs", "Shoal has no configs: mount a host file with a bind volume"},
      {"entrypoint", "Shoal keeps the image's ENTRYPOINT and passes `command` to it"},
      {"labels", "Shoal sets its own container labels"},
      {"profiles", "every service of the file is converted"},
  };
  auto it = kHints.find(k);
  if (it != kHints.end()) return it->second;
  // The Compose Specification's service keys: any other is a typo or from another tool.
  static const std::set<std::string_view> kCompose = {
      "annotations", "attach", "blkio_config", "build", "cap_add", "cap_drop", "cgroup",
      "cgroup_parent", "command", "configs", "container_name", "cpu_count", "cpu_percent",
      "cpu_period", "cpu_quota", "cpu_rt_period", "cpu_rt_runtime", "cpu_shares", "cpus",
      "cpuset", "credential_spec", "depends_on", "deploy", "develop", "device_cgroup_rules",
      "devices", "dns", "dns_opt", "dns_search", "domainname", "driver_opts", "entrypoint",
      "env_file", "environment", "expose", "extends", "external_links", "extra_hosts", "gpus",
      "group_add", "healthcheck", "hostname", "image", "init", "ipc", "isolation", "labels",
      "label_file", "links", "logging", "mac_address", "mem_limit", "mem_reservation",
      "mem_swappiness", "memswap_limit", "network_mode", "networks", "oom_kill_disable",
      "oom_score_adj", "pid", "pids_limit", "platform", "ports", "post_start", "pre_stop",
      "privileged", "profiles", "pull_policy", "read_only", "restart", "runtime", "scale",
      "secrets", "security_opt", "shm_size", "stdin_open", "stop_grace_period", "stop_signal",
      "storage_opt", "sysctls", "tmpfs", "tty", "ulimits", "user", "userns_mode", "uts",
      "volumes", "volumes_from", "working_dir"};
  if (kCompose.count(k) > 0) return "Shoal has no equivalent";
  const std::string hint =
      closest(k, {"image", "command", "environment", "ports", "deploy", "healthcheck",
                  "volumes", "restart", "scale", "stop_grace_period", "cpus", "mem_limit",
                  "mem_reservation"});
  return "not a compose key" + (hint.empty() ? "" : " (did you mean `" + hint + "`?)");
}

void read_environment(Walk& w, const YAML::Node& n, const std::string& key, ServiceDraft& d) {
  std::set<std::string> names;  // not a scan of d.env: a hostile list has 100,000 entries
  auto add = [&](const YAML::Node& at, const std::string& name, const std::string* value) {
    const std::string k = key + "." + name;
    if (value == nullptr) {
      not_converted(w, d, at, k, "no value: compose takes it from the shell");
    } else if (std::string why = config::check_env_name(name); !why.empty()) {
      not_converted(w, d, at, k, why);
    } else if (!names.insert(name).second) {
      w.error(at, k, "the variable is given twice");
    } else {
      d.env.emplace_back(name, literal(w, at, k, *value));
    }
  };
  if (n.IsSequence()) {
    auto items = w.sequence(n, key);
    for (const YAML::Node& item : items.value_or(std::vector<YAML::Node>{})) {
      auto text = w.scalar(item, key);
      if (!text) continue;
      const std::size_t eq = text->find('=');
      const std::string value = eq == std::string::npos ? "" : text->substr(eq + 1);
      add(item, text->substr(0, eq), eq == std::string::npos ? nullptr : &value);
    }
    return;
  }
  auto entries = w.mapping(n, key);
  for (const Entry& e : entries.value_or(std::vector<Entry>{})) {
    if (e.value.IsNull()) {
      add(e.key_node, e.key, nullptr);
    } else if (auto v = w.scalar(e.value, key + "." + e.key)) {
      add(e.value, e.key, &*v);
    }
  }
}

// restart: no | always | unless-stopped | on-failure[:N]
void read_restart(Walk& w, const YAML::Node& n, const std::string& key, ServiceDraft& d) {
  auto text = w.scalar(n, key);
  if (!text) return;
  if (*text == "no" || *text == "false") {
    d.restart_condition = "none";
  } else if (*text == "always" || *text == "unless-stopped") {
    d.restart_condition = "any";
    if (*text == "unless-stopped")
      w.warn(n, key, "converted to condition \"any\" (Shoal has no manual stop to remember)");
  } else if (text->rfind("on-failure", 0) == 0) {
    d.restart_condition = "on-failure";
    if (text->size() > 10) {
      if ((*text)[10] != ':') {
        w.error(n, key, "must be no, always, unless-stopped or on-failure[:N], not `" + *text +
                            "`");
        return;
      }
      YAML::Node count(text->substr(11));
      if (auto v = w.integer(count, key, 0, 1'000'000)) d.restart_max_attempts = *v;
    }
  } else {
    w.error(n, key, "must be no, always, unless-stopped or on-failure[:N], not `" + *text + "`");
  }
}

void read_command(Walk& w, const YAML::Node& n, const std::string& key, ServiceDraft& d) {
  auto argv = w.words(n, key, true);
  if (!argv) return;
  if (argv->empty()) {
    not_converted(w, d, n, key, "an empty command (no CMD) has no Shoal equivalent; the "
                                "image's CMD runs");
    return;
  }
  for (std::string& a : *argv) a = literal(w, n, key, a);
  d.command = std::move(*argv);
}

// Whether the service's `deploy` mapping has `which` (its own keys, read without the walk so
// that nothing is reported twice; the walk reads them afterwards).
bool has_deploy_key(const std::vector<Entry>& entries, const std::string& which) {
  for (const Entry& e : entries) {
    if (e.key != "deploy" || !e.value.IsMap()) continue;
    for (auto it = e.value.begin(); it != e.value.end(); ++it)
      if (it->first.IsScalar() && it->first.Scalar() == which) return true;
  }
  return false;
}

}  // namespace

void not_converted(Walk& w, ServiceDraft& d, const YAML::Node& at, const std::string& key,
                   const std::string& why) {
  w.warn(at, key, "not converted: " + why);
  d.not_converted.push_back(key);
}

std::optional<config::Millis> read_duration(Walk& w, ServiceDraft& d, const YAML::Node& n,
                                            const std::string& key) {
  auto text = w.scalar(n, key);
  if (!text) return std::nullopt;
  auto ms = config::parse_duration(*text);
  if (!ms.ok()) {
    not_converted(w, d, n, key, "`" + *text + "` is not a duration Shoal reads (" + ms.error + ")");
    return std::nullopt;
  }
  return *ms.value;
}

std::string literal(Walk& w, const YAML::Node& at, const std::string& key,
                    const std::string& text) {
  Interpolated i = unescape_dollars(text);
  if (i.kept_variables)
    w.warn(at, key, "kept as written: `" + i.text + "` uses compose variables ($VAR) without "
                    "a default, which Shoal does not substitute");
  else if (i.text.find("{{") != std::string::npos)
    w.warn(at, key, "kept as written: `" + i.text + "` looks like a swarm template ({{.Node.ID}}), "
                    "which Shoal does not expand");
  else if (i.used_defaults)
    w.warn(at, key, "`" + text + "` became `" + i.text + "`: Shoal substitutes no variables, "
                    "their defaults are used");
  return std::move(i.text);
}

bool read_service(Walk& w, const YAML::Node& n, const std::string& key, ServiceDraft& d) {
  auto entries = w.mapping(n, key);
  if (!entries) return false;
  // deploy.restart_policy wins over restart, deploy.replicas over scale (as in swarm).
  const bool deploy_restart = has_deploy_key(*entries, "restart_policy");
  const bool deploy_replicas = has_deploy_key(*entries, "replicas");
  YAML::Node image_at = n;
  for (const Entry& e : *entries) {
    const std::string k = key + "." + e.key;
    if (e.key == "image") {
      if (auto v = w.scalar(e.value, k)) d.image = literal(w, e.value, k, *v);
      image_at = e.value;
    } else if (e.key == "command") {
      read_command(w, e.value, k, d);
    } else if (e.key == "environment") {
      read_environment(w, e.value, k, d);
    } else if (e.key == "ports") {
      read_ports(w, e.value, k, d);
    } else if (e.key == "deploy") {
      read_deploy(w, e.value, k, d);
    } else if (e.key == "healthcheck") {
      read_healthcheck(w, e.value, k, d);
    } else if (e.key == "volumes") {
      read_volumes(w, e.value, k, d);
    } else if (e.key == "restart") {
      if (deploy_restart) not_converted(w, d, e.value, k, "deploy.restart_policy is used");
      else read_restart(w, e.value, k, d);
    } else if (e.key == "scale") {
      auto v = w.integer(e.value, k, 0, 1'000'000);
      if (deploy_replicas) not_converted(w, d, e.value, k, "deploy.replicas is used");
      else if (v) d.replicas = *v;
    } else if (e.key == "stop_grace_period") {
      d.stop_grace = read_duration(w, d, e.value, k);
    } else if (e.key == "cpus" || e.key == "mem_limit" || e.key == "mem_reservation") {
      // read after deploy, which wins (read_service_resources)
    } else {
      not_converted(w, d, e.key_node, k, why_not(e.key));
    }
  }
  read_service_resources(w, *entries, key, d);
  if (d.image.empty() && w.error_count() == 0) {
    w.warn(image_at, key, "not converted: the service has no image (Shoal runs images; build "
                          "and push it, then set `image`)");
    return false;
  }
  return true;
}

}  // namespace shoal::convert
