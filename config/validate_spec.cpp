#include "config/validate_spec.hpp"

#include <cctype>
#include <set>

#include "config/units.hpp"
#include "config/volume.hpp"

namespace shoal::config {
namespace {

constexpr std::size_t kMaxImage = 1024;
constexpr std::size_t kMaxArgs = 1024;
constexpr std::size_t kMaxArg = 128 * 1024;
constexpr std::size_t kMaxEnv = 1024;
constexpr std::size_t kMaxEnvName = 256;
constexpr std::size_t kMaxExecBytes = 1024 * 1024;  // command + health.exec + env, in all
constexpr std::size_t kMaxPorts = 256;
constexpr std::size_t kMaxHttpPath = 2048;
constexpr std::size_t kMaxHomePeer = 253;
constexpr std::size_t kMaxConstraints = 64;
constexpr int kMaxAttempts = 1'000'000;
constexpr int kMaxRetries = 1000;

class Checker {
 public:
  explicit Checker(std::vector<SpecIssue>& out) : out_(out) {}

  void fail(std::string field, std::string message) {
    out_.push_back({std::move(field), std::move(message)});
  }
  void range(const std::string& field, std::int64_t v, std::int64_t lo, std::int64_t hi,
             const std::string& unit = "") {
    if (v >= lo && v <= hi) return;
    fail(field, field + " must be from " + std::to_string(lo) + " to " + std::to_string(hi) +
                    unit + ", not " + std::to_string(v) + unit);
  }
  void duration(const std::string& field, Millis v, Millis lo) {
    if (v >= lo && v <= kMaxSpecDuration) return;
    fail(field, field + " must be from " + format_duration(lo) + " to " +
                    format_duration(kMaxSpecDuration) + ", not " + std::to_string(v) + "ms");
  }
  // Valid UTF-8 without NUL, at most `max` bytes (0 = any length up to the total bounds).
  bool text(const std::string& field, const std::string& s, std::size_t max) {
    if (max != 0 && s.size() > max) {
      fail(field, field + " is " + std::to_string(s.size()) + " bytes, more than " +
                      std::to_string(max));
      return false;
    }
    if (!valid_utf8(s) || s.find('\0') != std::string::npos) {
      fail(field, field + " must be UTF-8 text without NUL bytes");
      return false;
    }
    return true;
  }
  std::size_t argv(const std::string& field, const std::vector<std::string>& args) {
    if (args.size() > kMaxArgs)
      fail(field, field + " has " + std::to_string(args.size()) + " arguments, more than " +
                      std::to_string(kMaxArgs));
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < args.size() && i < kMaxArgs; ++i) {
      if (!text(field + "[" + std::to_string(i) + "]", args[i], kMaxArg)) break;
      bytes += args[i].size() + 1;
    }
    return bytes;
  }

 private:
  std::vector<SpecIssue>& out_;
};

void check_ports(Checker& c, const ServiceSpec& s) {
  if (s.ports.size() > kMaxPorts) {
    c.fail("ports", "ports: " + std::to_string(s.ports.size()) + " ports, more than " +
                        std::to_string(kMaxPorts));
    return;
  }
  std::set<std::string> names;
  std::set<std::uint16_t> hosts;
  for (const Port& p : s.ports) {
    const std::string f = "ports." + p.name;
    if (std::string why = check_port_name(p.name); !why.empty()) {
      c.fail("ports", "ports: " + why);
      continue;
    }
    if (!names.insert(p.name).second) c.fail(f, f + " appears twice");
    if (p.container == 0) c.fail(f, f + ".container must be from 1 to 65535, not 0");
    if (p.host && *p.host == 0) c.fail(f + ".host", f + ".host must be from 1 to 65535, not 0");
    if (p.host && *p.host != 0 && !hosts.insert(*p.host).second)
      c.fail(f + ".host", f + ".host: host port " + std::to_string(*p.host) + " is used twice");
  }
}

void check_health(Checker& c, const ServiceSpec& s) {
  const HealthCheck& h = s.health;
  using K = HealthCheck::Kind;
  if (h.kind == K::http) {
    if (h.http_path.empty() || h.http_path[0] != '/')
      c.fail("health.http", "health.http must be a path starting with '/'");
    else c.text("health.http", h.http_path, kMaxHttpPath);
  }
  if ((h.kind == K::http || h.kind == K::tcp) && !has_port(s, h.port)) {
    const std::string f = h.kind == K::http ? "health.port" : "health.tcp";
    c.fail(f, f + " `" + h.port + "` is not a port of this service");
  }
  if (h.kind == K::exec && h.exec.empty()) c.fail("health.exec", "health.exec must not be empty");
  if (h.kind == K::none) return;
  c.duration("health.interval", h.interval, 1);
  c.duration("health.timeout", h.timeout, 1);
  c.range("health.retries", h.retries, 1, kMaxRetries);
}

void check_restart(Checker& c, const RestartPolicy& r) {
  c.duration("restart.delay", r.delay, 1);
  c.duration("restart.max_delay", r.max_delay, 1);
  if (r.max_delay < r.delay)
    c.fail("restart.max_delay", "restart.max_delay (" + format_duration(r.max_delay) +
                                    ") must be >= restart.delay (" + format_duration(r.delay) +
                                    ")");
  c.range("restart.max_attempts", r.max_attempts, 0, kMaxAttempts);
}

void check_exec(Checker& c, const ServiceSpec& s) {
  if (s.image.empty() && s.command.empty())
    c.fail("", "service `" + s.name + "` needs an image or a command");
  c.text("image", s.image, kMaxImage);
  std::size_t bytes = c.argv("command", s.command);
  bytes += c.argv("health.exec", s.health.exec);
  if (s.env.size() > kMaxEnv)
    c.fail("env", "env has " + std::to_string(s.env.size()) + " variables, more than " +
                      std::to_string(kMaxEnv));
  for (const auto& [k, v] : s.env) {
    if (std::string why = check_env_name(k); !why.empty() || k.size() > kMaxEnvName) {
      c.fail("env", "env: " + (why.empty() ? "a variable name is longer than 256 bytes" : why));
      break;
    }
    if (!c.text("env." + k, v, kMaxArg)) break;
    bytes += k.size() + v.size() + 2;
  }
  if (bytes > kMaxExecBytes)
    c.fail("env", "command, health.exec and env take " + std::to_string(bytes) +
                      " bytes, more than " + std::to_string(kMaxExecBytes));
}

// Canaries are the lowest-ranked instances of a replicated service (placement/rollout.hpp):
// at most `replicas` of them; a global service has no such count (as Nomad's system jobs).
void check_canary(Checker& c, const ServiceSpec& s) {
  const int n = s.update->canary;
  if (n <= 0) return;
  if (s.placement.mode == Placement::Mode::global) {
    c.fail("update.canary", "update.canary has no meaning with mode = \"global\"; use 0 or remove it");
  } else if (n > s.replicas) {
    c.fail("update.canary", "update.canary must be from 0 to replicas (" + std::to_string(s.replicas) +
                                "), not " + std::to_string(n));
  }
}

void check_placement(Checker& c, const ServiceSpec& s, const SpecLimits& limits) {
  c.range("placement.max_per_peer", s.placement.max_per_peer, 0, limits.max_replicas);
  if (s.placement.constraints.size() > kMaxConstraints)
    c.fail("placement.constraints", "placement.constraints: more than " +
                                        std::to_string(kMaxConstraints) + " constraints");
  for (const Constraint& k : s.placement.constraints) {
    bool ok = valid_utf8(k.label);
    for (const auto& v : k.values) ok = ok && valid_utf8(v);
    if (!ok) c.fail("placement.constraints", "placement.constraints must be UTF-8 text");
  }
  c.text("home_peer", s.home_peer, kMaxHomePeer);
}

}  // namespace

std::string check_port_name(std::string_view name) {
  if (name.empty() || name.size() > 63) return "port names are 1 to 63 characters";
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return "port name `" + std::string(name) + "` may only contain a-z, 0-9, '_' and '-'";
  return {};
}

std::string check_env_name(std::string_view name) {
  bool ok = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
  for (char c : name)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (ok) return {};
  std::string msg = "`";
  msg += name;
  msg += "` is not a valid variable name (letters, digits and '_', not starting with a digit)";
  return msg;
}

std::vector<SpecIssue> validate(const ServiceSpec& s, const SpecLimits& limits) {
  std::vector<SpecIssue> out;
  Checker c(out);
  if (std::string why = check_service_name(s.name); !why.empty())
    c.fail("", why + ": `" + (valid_utf8(s.name) && s.name.size() <= 253 ? s.name : "?") + "`");
  c.range("replicas", s.replicas, 0, limits.max_replicas);
  c.range("resources.cpu", s.resources.cpu_milli, 0, kMaxCpuMilli, " millicores");
  c.range("resources.memory", s.resources.memory_mib, 0, kMaxMemoryMib, " MiB");
  check_ports(c, s);
  check_exec(c, s);
  check_restart(c, s.restart);
  check_health(c, s);
  check_placement(c, s, limits);
  c.duration("stop_grace", s.stop_grace, 0);
  if (s.update) {
    c.range("update.parallelism", s.update->parallelism, 1, limits.max_replicas);
    c.duration("update.min_healthy_time", s.update->min_healthy_time, 0);
    c.duration("update.healthy_deadline", s.update->healthy_deadline, 1);
    c.range("update.canary", s.update->canary, 0, limits.max_replicas);
    check_canary(c, s);
  }
  if (const auto& p = s.reschedule) {
    c.range("reschedule.attempts", p->attempts, 1, ReschedulePolicy::kMaxAttempts);
    c.range("reschedule.interval", p->interval, 1000, ReschedulePolicy::kMaxInterval, " ms");
    c.range("reschedule.delay", p->delay, 0, ReschedulePolicy::kMaxDelay, " ms");
  }
  for (SpecIssue& i : check_volumes(s.volumes)) out.push_back(std::move(i));
  return out;
}

std::string validation_error(const ServiceSpec& spec, const SpecLimits& limits) {
  std::string out;
  for (const SpecIssue& i : validate(spec, limits)) {
    if (!out.empty()) out += "; ";
    out += i.message;
  }
  return out;
}

}  // namespace shoal::config
