#include "node/runtime/docker_driver.hpp"
#include "node/runtime/saved_logs.hpp"
#include "node/runtime/image_ref.hpp"

#include <signal.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "node/peer/json_int.hpp"
#include "node/peer/json_text.hpp"
#include "node/runtime/mounts.hpp"
#include "node/runtime/mono_clock.hpp"
#include "node/runtime/ports.hpp"
#include "node/runtime/socket_detect.hpp"

namespace shoal::runtime {
namespace {

using json = nlohmann::json;

std::string random_suffix() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::uint64_t v = rng();
  std::string s;
  for (int i = 0; i < 6; ++i) s += hex[(v >> (4 * i)) & 15];
  return s;
}

std::string str(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The engine's answers are outside input: a member of the wrong type reads as absent, never as
// an exception (nlohmann's value() throws on a type mismatch).
const json& object_at(const json& j, const char* key) {
  static const json empty = json::object();
  auto it = j.is_object() ? j.find(key) : j.end();
  return j.is_object() && it != j.end() && it->is_object() ? *it : empty;
}

bool flag(const json& j, const char* key, bool absent) {
  auto it = j.is_object() ? j.find(key) : j.end();
  return j.is_object() && it != j.end() && it->is_boolean() ? it->get<bool>() : absent;
}

// Labels of a container (list or inspect JSON); false when they are not a complete shoal set.
bool labels_of(const json& labels, Labels& out, std::vector<HostPort>& ports) {
  if (!labels.is_object()) return false;
  out.peer = str(labels, "shoal.peer");
  out.service = str(labels, "shoal.service");
  out.spec_hash = str(labels, "shoal.spec");
  std::string idx = str(labels, "shoal.index");
  if (out.peer.empty() || out.service.empty() || idx.empty()) return false;
  try {
    out.index = std::stoi(idx);
  } catch (...) {
    return false;
  }
  ports = decode_ports_label(str(labels, "shoal.ports"));
  return true;
}

std::string short_id(const std::string& id) { return id.substr(0, 12); }

}  // namespace

std::string encode_ports_label(const std::vector<HostPort>& ports) {
  std::string out;
  for (const auto& p : ports) {
    if (!out.empty()) out += ';';
    out += p.name + "=" + std::to_string(p.container) + ":" + std::to_string(p.host);
  }
  return out;
}

std::vector<HostPort> decode_ports_label(const std::string& text) {
  std::vector<HostPort> out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t j = text.find(';', i);
    if (j == std::string::npos) j = text.size();
    std::string item = text.substr(i, j - i);
    i = j + 1;
    std::size_t eq = item.find('='), colon = item.rfind(':');
    if (eq == std::string::npos || colon == std::string::npos || colon < eq) continue;
    try {
      int c = std::stoi(item.substr(eq + 1, colon - eq - 1));
      int h = std::stoi(item.substr(colon + 1));
      if (c < 0 || c > 65535 || h < 0 || h > 65535) continue;
      out.push_back(HostPort{item.substr(0, eq), static_cast<std::uint16_t>(c),
                             static_cast<std::uint16_t>(h)});
    } catch (...) {
    }
  }
  return out;
}

DockerDriver::DockerDriver(DockerDriverOptions options) : opt_(std::move(options)) {
  if (opt_.timeout <= 0) opt_.timeout = 10000;
  if (opt_.pull_timeout <= 0) opt_.pull_timeout = 300000;
  (void)ensure_api();
}

Millis DockerDriver::wall() const {
  return opt_.wall_clock ? opt_.wall_clock() : clock_ms(CLOCK_REALTIME);
}

Millis DockerDriver::mono() const {
  return opt_.mono_clock ? opt_.mono_clock() : clock_ms(CLOCK_MONOTONIC);
}

void DockerDriver::note(const std::string& line) const {
  if (opt_.log) opt_.log(line);
}

Status DockerDriver::ensure_api() {
  if (!socket_.empty()) return {};
  auto s = detect_docker_socket(opt_.socket);
  if (!s) {
    detect_error_ = s.error().message;
    return s.error();
  }
  socket_ = s.value();
  detect_error_.clear();
  note("docker driver: engine socket unix://" + socket_);
  return {};
}

Result<HttpResponse> DockerDriver::call(std::string_view method, const std::string& target,
                                        std::string_view body, Millis timeout,
                                        const DockerApi::Headers& headers) {
  if (auto s = ensure_api(); !s) return s.error();
  return DockerApi(socket_, opt_.timeout).request(method, target, body, timeout, headers);
}

void DockerDriver::keep_logs(const std::string& id, const Labels& labels) {
  if (opt_.logs_dir.empty() || !ensure_api()) return;
  const std::string e = save_container_logs(DockerApi(socket_, opt_.timeout), opt_.logs_dir,
                                            labels, id);
  if (!e.empty()) note(e);
  prune_saved_logs(opt_.logs_dir, wall(), opt_.log_retention);
}

Status DockerDriver::available() {
  auto r = call("GET", "/_ping");
  if (!r) return Error{"container engine unavailable: " + r.error().message};
  if (r->status != 200)
    return Error{"container engine unavailable: /_ping answered " + std::to_string(r->status) +
                 ": " + engine_message(r.value())};
  return {};
}

Status DockerDriver::ensure_image(const std::string& ref) {
  // Untagged: `fromImage=app` would pull every tag of the repository.
  const std::string image = normalize_image_ref(ref);
  auto r = call("GET", "/images/" + url_encode(image) + "/json");
  if (!r) return r.error();
  if (r->status == 200) return {};
  if (r->status != 404)
    return Error{"inspect image " + image + ": " + engine_message(r.value())};
  DockerApi::Headers auth;
  if (std::string h = registry_auth_header(opt_.registry_auths, image); !h.empty())
    auth.emplace_back("X-Registry-Auth", std::move(h));
  note("pulling image " + image + (auth.empty() ? "" : " (with credentials for " +
                                                           registry_of(image) + ")"));
  auto p = call("POST", "/images/create?fromImage=" + url_encode(image), {}, opt_.pull_timeout,
                auth);
  std::string why;
  if (!p) {
    why = p.error().message;
  } else if (p->status != 200) {
    why = engine_message(p.value());
  } else {
    // A 200 streams progress objects; a failure shows as {"error": "..."} in it.
    std::size_t i = 0;
    const std::string& b = p->body;
    while (i < b.size() && why.empty()) {
      std::size_t j = b.find('\n', i);
      if (j == std::string::npos) j = b.size();
      auto line = json::parse(b.substr(i, j - i), nullptr, false);
      i = j + 1;
      if (line.is_object()) {
        if (auto e = str(line, "error"); !e.empty()) why = e;
        else if (auto e2 = str(line, "errorDetail"); !e2.empty()) why = e2;
      }
    }
    if (why.empty()) {
      auto again = call("GET", "/images/" + url_encode(image) + "/json");
      if (again && again->status == 200) return {};
      why = again ? engine_message(again.value()) : again.error().message;
    }
  }
  return Error{"image " + image + " not found locally and pull failed: " + why};
}

namespace {

// The spec and labels the driver can start at all; the first problem otherwise.
Status startable(const InstanceSpec& spec, const DockerDriverOptions& opt) {
  const config::ServiceSpec& svc = spec.service;
  const Labels& labels = spec.labels;
  if (!valid_service_name(labels.service))
    return Error{"invalid service name '" + labels.service + "'"};
  if (labels.index < 0) return Error{"invalid index " + std::to_string(labels.index)};
  if (labels.peer != opt.peer)
    return Error{"instance labelled for peer '" + labels.peer + "' but this driver is peer '" +
                 opt.peer + "'"};
  if (svc.image.empty())
    return Error{"service " + labels.service + ": the docker driver needs an image"};
  if (std::string why = missing_host_path(svc.volumes); !why.empty())
    return Error{"service " + labels.service + ": " + why};
  if (std::string why = bind_outside_roots(svc.volumes, opt.bind_roots); !why.empty())
    return Error{"service " + labels.service + ": " + why, true};
  return {};
}

// HostConfig: ports, the init process, no engine restarts, mounts and limits.
json host_config_json(const config::ServiceSpec& svc, const std::vector<HostPort>& ports,
                      const DockerDriverOptions& opt) {
  json bindings = json::object();
  const std::string host_ip = opt.host_address == "0.0.0.0" ? "" : opt.host_address;
  for (const auto& p : ports)
    bindings[std::to_string(p.container) + "/tcp"].push_back(
        {{"HostIp", host_ip}, {"HostPort", std::to_string(p.host)}});
  json host_config = {{"PortBindings", bindings},
                      {"Init", opt.init},
                      {"RestartPolicy", {{"Name", "no"}}}};
  if (!svc.volumes.empty()) host_config["Mounts"] = docker_mounts(svc.volumes);
  // Saturating: the validator bounds both, but a product must never wrap into a negative limit.
  const auto scaled = [](std::int64_t v, std::int64_t by) {
    return v > std::numeric_limits<std::int64_t>::max() / by ? std::numeric_limits<std::int64_t>::max()
                                                             : v * by;
  };
  if (svc.resources.cpu_milli > 0) host_config["NanoCpus"] = scaled(svc.resources.cpu_milli, 1000000);
  if (svc.resources.memory_mib > 0)
    host_config["Memory"] = scaled(svc.resources.memory_mib, std::int64_t{1024} * 1024);
  return host_config;
}

// The body of POST /containers/create.
json create_body(const InstanceSpec& spec, const std::vector<HostPort>& ports,
                 const DockerDriverOptions& opt) {
  const config::ServiceSpec& svc = spec.service;
  const Labels& labels = spec.labels;
  json env = json::array();
  for (const auto& [k, v] : svc.env) env.push_back(k + "=" + v);
  env.push_back("SHOAL_SERVICE=" + labels.service);
  env.push_back("SHOAL_INDEX=" + std::to_string(labels.index));
  env.push_back("SHOAL_PEER=" + labels.peer);
  json label_json = json::object();
  for (const auto& [k, v] : to_label_map(labels)) label_json[k] = v;
  label_json["shoal.ports"] = encode_ports_label(ports);
  json exposed = json::object();
  for (const auto& p : ports) exposed[std::to_string(p.container) + "/tcp"] = json::object();
  json body = {{"Image", svc.image},
               {"Env", env},
               {"Labels", label_json},
               {"ExposedPorts", exposed},
               {"StopTimeout", std::max<Millis>(0, (svc.stop_grace + 999) / 1000)},
               {"HostConfig", host_config_json(svc, ports, opt)}};
  if (!svc.command.empty()) body["Cmd"] = svc.command;
  return body;
}

}  // namespace

Result<std::vector<HostPort>> DockerDriver::host_ports(const config::ServiceSpec& svc) {
  // Static as given; dynamic free now and not published by another of ours.
  std::set<std::uint16_t> used;
  if (auto cur = list_checked(); cur)
    for (const auto& inst : cur.value())
      for (const auto& p : inst.ports) used.insert(p.host);
  return assign_host_ports(svc.ports, opt_.host_address, used);
}

Result<Instance> DockerDriver::start(const InstanceSpec& spec) {
  const Labels& labels = spec.labels;
  const std::string& service = labels.service;
  if (auto ok = startable(spec, opt_); !ok) return ok.error();
  if (auto s = ensure_image(spec.service.image); !s)
    return Error{"service " + service + ": " + s.error().message};
  auto ports = host_ports(spec.service);
  if (!ports) return Error{"service " + service + ": " + ports.error().message};

  const std::string name =
      "shoal-" + service + "-" + std::to_string(labels.index) + "-" + random_suffix();
  auto created = call("POST", "/containers/create?name=" + name,
                      node::json_text(create_body(spec, ports.value(), opt_)));
  if (!created) return Error{"service " + service + ": " + created.error().message};
  if (created->status != 201)
    return Error{"service " + service + ": create container: " + engine_message(created.value())};
  auto cj = json::parse(created->body, nullptr, false);
  std::string id = cj.is_object() ? str(cj, "Id") : "";
  if (id.empty()) return Error{"service " + service + ": create answered no Id"};

  Millis started_at = wall();
  auto started = call("POST", "/containers/" + id + "/start");
  if (!started || (started->status != 204 && started->status != 304)) {
    std::string why = started ? engine_message(started.value()) : started.error().message;
    (void)remove(id);
    return Error{"service " + service + ": start container " + name + ": " + why};
  }
  known_[id] = Known{labels, false, 0};
  note("started " + name + " (" + short_id(id) + ")");
  return Instance{id, labels, std::move(ports.value()), 0, started_at};
}

Status DockerDriver::stop(const std::string& id, Millis grace) {
  auto r = call("GET", "/containers/" + id + "/json");
  if (!r) return r.error();
  if (r->status == 404) return Error{"unknown instance " + id};
  if (r->status != 200) return Error{"inspect " + id + ": " + engine_message(r.value())};
  auto j = json::parse(r->body, nullptr, false);
  if (!j.is_object()) return Error{"inspect " + id + ": malformed reply"};
  // Already ended on its own: poll() reports that exit (with its code), not a stop.
  if (!flag(object_at(j, "State"), "Running", false)) return {};
  if (grace < 0) grace = 0;
  Labels labels;
  std::vector<HostPort> ignored;
  if (labels_of(object_at(object_at(j, "Config"), "Labels"), labels,
                ignored) &&
      labels.peer == opt_.peer) {
    auto& k = known_[id];
    k.labels = labels;
    k.stopping = true;
    k.kill_at = mono() + grace;
  }  // not ours: signalled, but neither tracked nor reported
  std::string sig = str(object_at(j, "Config"), "StopSignal");
  if (sig.empty()) sig = "SIGTERM";
  if (grace == 0) sig = "SIGKILL";
  if (auto s = kill(id, sig); !s) return s;
  note("stopping " + short_id(id) + " with " + sig + " (grace " + std::to_string(grace) + " ms)");
  return {};
}

Status DockerDriver::kill(const std::string& id, const std::string& signal) {
  auto r = call("POST", "/containers/" + id + "/kill?signal=" + url_encode(signal));
  if (!r) return r.error();
  if (r->status == 404) return Error{"unknown instance " + id};
  // 409/500 "not running": it already ended, which is what we wanted.
  if (r->status != 204 && r->status != 200 && r->status != 409 && r->status != 500)
    return Error{"kill " + id + ": " + engine_message(r.value())};
  return {};
}

Result<std::vector<Instance>> DockerDriver::list_checked() {
  json filters = {{"label", {"shoal.peer=" + opt_.peer}}};
  auto r = call("GET", "/containers/json?filters=" + url_encode(node::json_text(filters)));
  if (!r) return r.error();
  if (r->status != 200) return Error{"list containers: " + engine_message(r.value())};
  auto j = json::parse(r->body, nullptr, false);
  if (!j.is_array()) return Error{"list containers: malformed reply"};
  std::vector<Instance> out;
  for (const auto& c : j) {
    if (!c.is_object()) continue;
    Instance inst;
    inst.id = str(c, "Id");
    if (inst.id.empty() || str(c, "State") != "running") continue;
    if (!labels_of(object_at(c, "Labels"), inst.labels, inst.ports)) continue;
    if (inst.labels.peer != opt_.peer) continue;
    // Seconds since the epoch; a value past year 9999 is an engine's error, not a time.
    if (auto created = node::json_int_at<Millis>(c, "Created"); created && *created >= 0 &&
                                                          *created < 253402300800)
      inst.started_at = *created * 1000;
    out.push_back(std::move(inst));
  }
  std::sort(out.begin(), out.end(), [](const Instance& a, const Instance& b) { return a.id < b.id; });
  for (const auto& inst : out)
    if (!known_.count(inst.id)) known_[inst.id] = Known{inst.labels, false, 0};
  return out;
}

std::vector<Instance> DockerDriver::list() {
  auto r = list_checked();
  if (!r) {
    note("list: " + r.error().message);
    return {};
  }
  return std::move(r.value());
}

Status DockerDriver::remove(const std::string& id) {
  auto r = call("DELETE", "/containers/" + id + "?force=true&v=true");
  if (!r) return r.error();
  if (r->status != 204 && r->status != 200 && r->status != 404)
    return Error{"remove " + id + ": " + engine_message(r.value())};
  known_.erase(id);
  note("removed " + short_id(id));
  return {};
}

std::vector<Exit> DockerDriver::poll() {
  std::vector<Exit> out;
  json filters = {{"label", {"shoal.peer=" + opt_.peer}}};
  auto r = call("GET", "/containers/json?all=true&filters=" + url_encode(node::json_text(filters)));
  if (!r || r->status != 200) {
    note("poll: " + (r ? engine_message(r.value()) : r.error().message));
    return out;  // engine down: nothing is known to have ended; try again later
  }
  auto j = json::parse(r->body, nullptr, false);
  if (!j.is_array()) return out;
  std::set<std::string> seen;
  Millis now = mono();
  for (const auto& c : j) {
    if (!c.is_object()) continue;
    std::string id = str(c, "Id");
    Labels labels;
    std::vector<HostPort> ports;
    if (id.empty() || !labels_of(object_at(c, "Labels"), labels, ports)) continue;
    if (labels.peer != opt_.peer) continue;
    seen.insert(id);
    std::string state = str(c, "State");
    auto k = known_.find(id);
    if (state == "running" || state == "paused" || state == "restarting" ||
        state == "removing" || state == "stopping") {
      if (k != known_.end() && k->second.kill_at != 0 && now >= k->second.kill_at) {
        (void)kill(id, "SIGKILL");
        k->second.kill_at = 0;
        note("grace over: SIGKILL " + short_id(id));
      }
      continue;
    }
    // Ended (exited, stopped, dead) or never started (created: a start interrupted by a
    // crash of the peer). Read the exit code, report it once, remove the container.
    Exit e;
    e.id = id;
    e.labels = labels;
    e.reason = k != known_.end() && k->second.stopping ? Exit::Reason::stopped
                                                        : Exit::Reason::exited;
    auto ins = call("GET", "/containers/" + id + "/json");
    if (!ins) continue;  // try again next time
    if (ins->status == 200) {
      auto ij = json::parse(ins->body, nullptr, false);
      const json& st = object_at(ij, "State");
      if (state == "created") {
        e.reason = Exit::Reason::lost;
      } else if (auto code = node::json_int_at<int>(st, "ExitCode")) {
        e.exit_code = *code;
      }
    } else {
      e.reason = Exit::Reason::lost;
    }
    e.ended_at = wall();
    out.push_back(e);
    note("instance " + short_id(id) + " ended: " + to_string(e.reason) + " code " +
         std::to_string(e.exit_code));
    keep_logs(id, labels);
    (void)remove(id);
  }
  // Known containers that vanished (removed behind our back).
  for (auto it = known_.begin(); it != known_.end();) {
    if (seen.count(it->first)) {
      ++it;
      continue;
    }
    Exit e;
    e.id = it->first;
    e.labels = it->second.labels;
    e.reason = it->second.stopping ? Exit::Reason::stopped : Exit::Reason::lost;
    out.push_back(e);
    note("instance " + short_id(it->first) + " vanished");
    it = known_.erase(it);
  }
  std::sort(out.begin(), out.end(), [](const Exit& a, const Exit& b) { return a.id < b.id; });
  return out;
}

Result<ExecResult> DockerDriver::exec(const std::string& id, const std::vector<std::string>& argv,
                                      Millis timeout) {
  if (argv.empty()) return Error{"exec: empty command"};
  // Attached (not detached): Podman 4.3 never marks a detached exec session as ended, while
  // an attached start answers once the command ends (its output, discarded, is the body).
  json body = {{"Cmd", argv}, {"AttachStdout", true}, {"AttachStderr", true}};
  auto c = call("POST", "/containers/" + id + "/exec", node::json_text(body));
  if (!c) return c.error();
  if (c->status != 201) return Error{"exec in " + short_id(id) + ": " + engine_message(c.value())};
  auto cj = json::parse(c->body, nullptr, false);
  std::string exec_id = cj.is_object() ? str(cj, "Id") : "";
  if (exec_id.empty()) return Error{"exec in " + short_id(id) + ": no exec Id"};
  auto s = call("POST", "/exec/" + exec_id + "/start", R"({"Detach":false,"Tty":false})",
                std::max<Millis>(timeout, 1));
  if (!s) {
    if (s.error().message.find("timed out") != std::string::npos)
      return Error{"exec " + argv[0] + " in " + short_id(id) + ": timed out after " +
                   std::to_string(timeout) + " ms"};
    return s.error();
  }
  if (s->status != 200 && s->status != 101)
    return Error{"exec start in " + short_id(id) + ": " + engine_message(s.value())};
  auto i = call("GET", "/exec/" + exec_id + "/json");
  if (!i) return i.error();
  auto ij = json::parse(i->body, nullptr, false);
  const auto code = node::json_int_at<int>(ij, "ExitCode");
  if (i->status == 200 && !flag(ij, "Running", true) && code) return ExecResult{*code};
  return Error{"exec " + argv[0] + " in " + short_id(id) + ": no exit code (" +
               (i->status == 200 ? std::string("still running") : engine_message(i.value())) + ")"};
}

ProbeResult DockerDriver::exec_probe(const std::string& id, const std::vector<std::string>& argv,
                                     Millis timeout) {
  auto r = exec(id, argv, timeout);
  if (!r) return {false, r.error().message};
  return {r->exit_code == 0, "exit " + std::to_string(r->exit_code)};
}

}  // namespace shoal::runtime
