#include "node/cli_client.hpp"

#include <signal.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "config/parse.hpp"
#include "config/units.hpp"
#include "gossip/keyring.hpp"
#include "node/api_guard.hpp"
#include "node/cli_deploy.hpp"
#include "node/peer/json_text.hpp"
#include "node/http.hpp"
#include "node/persist.hpp"
#include "node/sealer.hpp"
#include "node/unix_socket_file.hpp"

namespace shoal::node {

using Json = nlohmann::json;

bool resolve_api(const std::string& flag, ApiTarget& out, std::string& error) {
  std::string text = flag;
  if (text.empty()) {
    if (const char* env = std::getenv("SHOAL_API"); env != nullptr && *env != '\0') text = env;
  }
  if (const char* tok = std::getenv("SHOAL_TOKEN"); tok != nullptr) out.token = tok;
  if (text.empty()) return true;
  out.named = true;
  if (text.rfind("unix:", 0) == 0) {
    out.unix_path = text.substr(5);
    if (out.unix_path.rfind("//", 0) == 0) out.unix_path = out.unix_path.substr(2);  // unix://
    if (out.unix_path.empty()) {
      error = "--api: expected unix:PATH with a socket path, got `" + text + "`";
      return false;
    }
    return true;
  }
  if (text.rfind("http://", 0) == 0) text = text.substr(7);
  while (!text.empty() && text.back() == '/') text.pop_back();
  std::string host, port;
  if (!text.empty() && text[0] == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      error = "--api: expected HOST:PORT, got `" + text + "`";
      return false;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      error = "--api: expected HOST:PORT, got `" + text + "`";
      return false;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  char* end = nullptr;
  long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p < 1 || p > 65535) {
    error = "--api: bad port `" + port + "`";
    return false;
  }
  out.host = host;
  out.port = static_cast<std::uint16_t>(p);
  return true;
}

void prefer_local_socket(ApiTarget& api, const std::string& socket_path) {
  if (!api.named && api.unix_path.empty() && unix_socket_connectable(socket_path)) {
    api.unix_path = socket_path;
  }
}

bool read_cli_token(const std::string& path, ApiTarget& api, std::string& error) {
  auto t = read_token_file(path);
  if (!t) {
    error = "--token-file: cannot read a token from " + path;
    return false;
  }
  api.token = std::move(*t);
  return true;
}

std::string describe(const ApiTarget& api) {
  if (!api.unix_path.empty()) return "unix:" + api.unix_path;
  const bool v6 = api.host.find(':') != std::string::npos;
  return (v6 ? "[" + api.host + "]" : api.host) + ":" + std::to_string(api.port);
}

std::string table_cell(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  return json_text(v);
}

std::string text_table(const std::vector<std::string>& head,
                  const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> w(head.size());
  for (std::size_t i = 0; i < head.size(); ++i) w[i] = head[i].size();
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], r[i].size());
  std::ostringstream s;
  auto line = [&](const std::vector<std::string>& r) {
    std::string l;
    for (std::size_t i = 0; i < r.size(); ++i) {
      l += r[i];
      if (i + 1 < r.size()) l += std::string(w[i] - r[i].size() + 2, ' ');
    }
    s << l << "\n";
  };
  line(head);
  for (const auto& r : rows) line(r);
  return s.str();
}

namespace {

HttpResult send(const ApiTarget& api, const std::string& method, const std::string& target,
                const std::string& body, int timeout_ms = 5000) {
  if (!api.unix_path.empty()) {
    return http_call_unix(api.unix_path, method, target, body, api.token, timeout_ms);
  }
  return http_call(api.host, api.port, method, target, body, api.token, timeout_ms);
}

bool loopback_host(const std::string& h) {
  return h == "localhost" || h == "::1" || h.rfind("127.", 0) == 0;
}

// A mutation aimed at a loopback TCP address without a token goes to that peer's unix socket
// instead, when this process may connect to it (the socket's mode is the authority): so the
// host's root and operators keep `--api 127.0.0.1:PORT`, while a web page or another user
// reaching the TCP port cannot change anything.
ApiTarget for_mutation(const ApiTarget& api) {
  if (!api.unix_path.empty() || !api.token.empty() || !loopback_host(api.host)) return api;
  HttpResult r = send(api, "GET", "/v1/status", "");
  if (!r.ok || r.status != 200) return api;
  Json j = Json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("api_socket") || !j["api_socket"].is_string()) return api;
  ApiTarget local = api;
  local.unix_path = j["api_socket"].get<std::string>();
  return unix_socket_connectable(local.unix_path) ? local : api;
}

// GET/POST to the peer; prints a clear message and returns nullopt when it fails. `index`:
// where to put the answer's X-Shoal-Index.
std::optional<Json> call(const ApiTarget& to, const std::string& method,
                         const std::string& target, const std::string& body, std::ostream& err,
                         const char* cmd, int timeout_ms = 5000, std::string* index = nullptr) {
  const ApiTarget api = method == "GET" ? to : for_mutation(to);
  HttpResult r = send(api, method, target, body, timeout_ms);
  if (index != nullptr) *index = r.shoal_index;
  if (!r.ok) {
    err << "shoal " << cmd << ": cannot reach the peer at " << describe(api) << " (" << r.error
        << "); is `shoal agent` running there? (--api HOST:PORT|unix:PATH or SHOAL_API)\n";
    return std::nullopt;
  }
  Json j = Json::parse(r.body, nullptr, false);
  if (r.status < 200 || r.status >= 300) {
    std::string msg = j.is_object() && j.contains("error") && j["error"].is_string()
                          ? j["error"].get<std::string>()
                          : r.body;
    err << "shoal " << cmd << ": the peer refused (HTTP " << r.status << "): " << msg << "\n";
    return std::nullopt;
  }
  if (j.is_discarded()) {
    err << "shoal " << cmd << ": the peer sent a response that is not JSON\n";
    return std::nullopt;
  }
  return j;
}

}  // namespace

std::string members_table(const Json& members) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : members) {
    rows.push_back({table_cell(m.value("name", Json())), table_cell(m.value("addr", Json())),
                    table_cell(m.value("state", Json())),
                    m.value("zone", std::string()).empty() ? "-" : table_cell(m["zone"]),
                    table_cell(m.value("incarnation", Json())), table_cell(m.value("ready", Json()))});
  }
  return text_table({"NAME", "ADDR", "STATE", "ZONE", "INCARNATION", "READY"}, rows);
}

std::string status_text(const Json& s) {
  std::ostringstream o;
  o << "name:       " << table_cell(s.value("name", Json())) << "\n"
    << "view hash:  " << table_cell(s.value("view_hash", Json())) << "\n"
    << "members:    " << table_cell(s.value("members", Json())) << " (" << table_cell(s.value("alive", Json()))
    << " alive, " << table_cell(s.value("ready", Json())) << " ready)\n";
  if (s.contains("incarnation")) o << "incarnation: " << table_cell(s["incarnation"]) << "\n";
  if (s.contains("runtime") && s["runtime"].is_object()) {
    const Json& r = s["runtime"];
    o << "runtime:    " << table_cell(r.value("driver", Json()));
    if (r.contains("socket")) o << " on " << table_cell(r["socket"]);
    if (r.value("available", true) == false) {
      o << ", UNAVAILABLE: " << table_cell(r.value("error", Json()));
    }
    o << "\n";
    if (r.contains("limits") && r["limits"].is_object()) {
      const Json& l = r["limits"];
      o << "limits:     " << table_cell(l.value("mode", Json()));
      if (l.contains("error")) o << ": resources not enforced (" << table_cell(l["error"]) << ")";
      o << "\n";
    }
  }
  if (s.contains("draining") && s["draining"] == true) o << "draining:   yes\n";
  if (s.contains("starved") && s["starved"] == true) {
    const Json wait = s.value("cpu_wait", Json());
    o << "starved:    yes, waiting for a CPU "
      << (wait.is_number()
              ? std::to_string(static_cast<int>(std::clamp(wait.get<double>(), 0.0, 1.0) * 100)) + "%"
              : "-")
      << " of the time: its instances go to peers that take work\n";
  }
  if (s.contains("clock_warning") && s["clock_warning"].is_string())
    o << "warning:    " << table_cell(s["clock_warning"]) << "\n";
  if (s.contains("stats") && s["stats"].is_object() && s["stats"].contains("state") &&
      s["stats"]["state"].is_object()) {
    const Json& st = s["stats"]["state"];
    const Json skew = st.value("refused_skew", Json(0));
    if (skew.is_number_unsigned() && skew.get<std::uint64_t>() > 0) {
      o << "refused:    " << table_cell(skew)
        << " remote entries for clock skew (a peer's clock runs ahead of this host's)\n";
    }
  }
  if (s.contains("errors") && s["errors"].is_array()) {
    for (const auto& e : s["errors"]) o << "error:      " << table_cell(e) << "\n";
  }
  if (s.contains("conflicts") && s["conflicts"].is_array()) {
    for (const auto& c : s["conflicts"]) {
      o << "conflict:   service " << table_cell(c.value("service", Json())) << " is also defined by "
        << table_cell(c.value("in_force", Json())) << ", whose newer edit is in force (ours: "
        << table_cell(c.value("file", Json())) << ")\n";
    }
  }
  if (s.contains("reverted") && s["reverted"].is_array()) {
    for (const auto& r : s["reverted"]) {
      o << "reverted:   service " << table_cell(r.value("service", Json())) << " runs "
        << table_cell(r.value("to", Json())) << " again: version " << table_cell(r.value("from", Json()))
        << " failed (it stays in spec/ and its file until a new version is applied)\n";
    }
  }
  if (s.contains("awaiting_promotion") && s["awaiting_promotion"].is_array()) {
    for (const auto& a : s["awaiting_promotion"]) {
      const std::string svc = table_cell(a.value("service", Json()));
      o << "canaries:   service " << svc << " waits for promotion: version "
        << table_cell(a.value("version", Json())) << " runs on " << canaries_text(a.value("canaries", Json()))
        << " (`shoal promote " << svc << "` rolls it on, `shoal revert " << svc
        << "` goes back)\n";
    }
  }
  if (s.contains("invalid_specs") && s["invalid_specs"].is_array()) {
    for (const auto& v : s["invalid_specs"]) {
      o << "refused:    spec " << table_cell(v.value("service", Json()));
      if (v.contains("origin") && v["origin"].is_string()) o << " from " << table_cell(v["origin"]);
      o << ": " << table_cell(v.value("error", Json())) << "\n";
    }
  }
  if (s.contains("foreign_instances") && s["foreign_instances"].is_array()) {
    for (const auto& f : s["foreign_instances"]) {
      o << "foreign:    " << table_cell(f.value("service", Json())) << "/"
        << table_cell(f.value("index", Json())) << " (pid " << table_cell(f.value("pid", Json()))
        << ") is labelled for peer " << table_cell(f.value("peer", Json()))
        << ": not managed here, still running when the peer started\n";
    }
  }
  return o.str();
}

int cmd_members(const ApiTarget& api, bool json, std::ostream& out, std::ostream& err) {
  auto j = call(api, "GET", "/v1/members", "", err, "members");
  if (!j) return 1;
  if (json) {
    out << json_text(*j) << "\n";
  } else {
    out << members_table(*j);
  }
  return 0;
}

int cmd_status(const ApiTarget& api, bool json, std::ostream& out, std::ostream& err) {
  auto j = call(api, "GET", "/v1/status", "", err, "status");
  if (!j) return 1;
  if (json) {
    out << json_text(*j) << "\n";
  } else {
    out << status_text(*j);
  }
  return 0;
}

std::string services_table(const Json& services) {
  // A DEPLOYMENT column (rolling | healthy | failed | awaiting_promotion (N canaries) |
  // reverted from HASH) once some service has an update policy.
  bool deployments = false;
  for (const auto& v : services) deployments = deployments || !v.value("deployment", Json()).is_null();
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : services) {
    rows.push_back({table_cell(v.value("name", Json())), table_cell(v.value("replicas", Json())),
                    table_cell(v.value("running", Json())), table_cell(v.value("healthy", Json())),
                    table_cell(v.value("version", Json()))});
    if (deployments) {
      const Json d = v.value("deployment", Json());
      const Json from = v.value("reverted_from", Json());
      std::string cell = d.is_null()          ? "-"
                         : from.is_string() ? table_cell(d) + " from " + table_cell(from)
                                            : table_cell(d);
      if (d == "awaiting_promotion") cell += " (" + canaries_text(v.value("canaries", Json())) + ")";
      rows.back().push_back(std::move(cell));
    }
  }
  if (deployments)
    return text_table({"NAME", "REPLICAS", "RUNNING", "HEALTHY", "VERSION", "DEPLOYMENT"}, rows);
  return text_table({"NAME", "REPLICAS", "RUNNING", "HEALTHY", "VERSION"}, rows);
}

namespace {

// {"http":31001,"admin":31002} -> "admin=31002,http=31001"; "-" when none.
std::string ports_text(const Json& ports) {
  std::string out;
  if (ports.is_object()) {
    for (const auto& [k, p] : ports.items()) out += (out.empty() ? "" : ",") + k + "=" + table_cell(p);
  }
  return out.empty() ? "-" : out;
}

// How long a `--watch` query is held at most, and the client's bound on it.
constexpr const char* kWatchWait = "60s";
constexpr int kWatchTimeoutMs = 75000;

}  // namespace

std::string ps_table(const Json& instances) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : instances) {
    rows.push_back({table_cell(v.value("service", Json())), table_cell(v.value("index", Json())),
                    table_cell(v.value("peer", Json())), table_cell(v.value("address", Json())),
                    table_cell(v.value("state", Json())), ports_text(v.value("host_ports", Json()))});
  }
  return text_table({"SERVICE", "INDEX", "PEER", "ADDRESS", "STATE", "PORTS"}, rows);
}

std::string endpoints_table(const Json& endpoints) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : endpoints) {
    rows.push_back({table_cell(v.value("service", Json())), table_cell(v.value("index", Json())),
                    table_cell(v.value("peer", Json())), table_cell(v.value("address", Json())),
                    ports_text(v.value("ports", Json())), table_cell(v.value("state", Json()))});
  }
  return text_table({"SERVICE", "INDEX", "PEER", "ADDRESS", "PORTS", "STATE"}, rows);
}

int cmd_endpoints(const ApiTarget& api, const std::string& service, bool json, bool watch,
                  std::ostream& out, std::ostream& err) {
  if (std::string e = config::check_service_name(service); !e.empty()) {
    err << "shoal endpoints: bad service name `" << service << "`: " << e << "\n";
    return 2;
  }
  const std::string path = "/v1/catalog/" + service;
  std::string index;
  auto j = call(api, "GET", path, "", err, "endpoints", 5000, &index);
  if (!j) return 1;
  out << (json ? json_text(*j) + "\n" : endpoints_table(*j)) << std::flush;
  // Ctrl-C ends a watch as asked, not as a failure: exit 0 (all output is flushed already).
  if (watch) ::signal(SIGINT, [](int) { ::_exit(0); });
  // --watch: a blocking query per change (the peer holds it up to kWatchWait); each new
  // answer is printed again, a blank line before each table.
  while (watch) {
    std::string next;
    j = call(api, "GET", path + "?index=" + index + "&wait=" + kWatchWait, "", err,
             "endpoints", kWatchTimeoutMs, &next);
    if (!j) return 1;
    if (next == index) continue;  // the wait passed with no change
    index = next;
    out << (json ? json_text(*j) + "\n" : "\n" + endpoints_table(*j)) << std::flush;
  }
  return 0;
}

int cmd_services(const ApiTarget& api, bool json, std::ostream& out, std::ostream& err) {
  auto j = call(api, "GET", "/v1/services", "", err, "services");
  if (!j) return 1;
  out << (json ? json_text(*j) + "\n" : services_table(*j));
  return 0;
}

int cmd_ps(const ApiTarget& api, bool json, std::ostream& out, std::ostream& err) {
  auto j = call(api, "GET", "/v1/ps", "", err, "ps");
  if (!j) return 1;
  out << (json ? json_text(*j) + "\n" : ps_table(*j));
  return 0;
}

int cmd_keygen(std::ostream& out, std::ostream& err) {
  if (sodium_init() < 0) {
    err << "shoal keygen: libsodium failed to initialise\n";
    return 1;
  }
  out << new_key_base64() << "\n";
  return 0;
}

int cmd_keys(const std::string& op, const std::string& key, const std::string& keyring_flag,
             const std::string& config_path, std::ostream& out, std::ostream& err) {
  std::string path = keyring_flag;
  if (path.empty()) {
    if (config_path.empty()) {
      err << "shoal keys: name the keyring with --keyring FILE or --config peer.toml\n";
      return 2;
    }
    auto text = read_file(config_path);
    if (!text) {
      err << config_path << ":0:0: cannot read file\n";
      return 2;
    }
    auto p = config::parse_peer_file(*text, config_path);
    if (!p.ok()) {
      for (const auto& d : p.errors) err << d.to_string() << "\n";
      return 2;
    }
    path = p.value->security.keyring;
    if (path.empty()) {
      err << "shoal keys: " << config_path << " sets no security.keyring\n";
      return 2;
    }
  }
  const bool needs_key = op != "list";
  if (needs_key == key.empty()) {
    err << "shoal keys " << op << ": " << (needs_key ? "needs a KEY" : "takes no KEY") << "\n";
    return 2;
  }
  gossip::Keys keys;
  auto text = read_file(path);
  if (text) {
    auto parsed = gossip::parse_keyring(*text);
    if (!parsed) {
      if (!(op == "install" && parsed.error() == "no keys")) {
        err << path << ": " << parsed.error() << "\n";
        return 1;
      }
    } else {
      keys = std::move(parsed.value());
    }
  } else if (op != "install") {
    err << "shoal keys: cannot read the keyring " << path << "\n";
    return 1;
  }
  if (op == "list") {
    for (std::size_t i = 0; i < keys.size(); ++i) {
      out << gossip::key_to_base64(keys[i]) << (i == 0 ? "  (primary)" : "") << "\n";
    }
    return 0;
  }
  auto k = gossip::key_from_base64(key);
  if (!k) {
    err << "shoal keys " << op << ": " << k.error() << "\n";
    return 2;
  }
  gossip::Parsed<gossip::Keys> next = gossip::Parsed<gossip::Keys>::failure("unknown operation");
  if (op == "install") {
    next = keys.empty() ? gossip::Parsed<gossip::Keys>(gossip::Keys{*k})
                        : gossip::keyring_install(keys, *k);
  } else if (op == "use") {
    next = gossip::keyring_use(keys, *k);
  } else if (op == "remove") {
    next = gossip::keyring_remove(keys, *k);
  } else {
    err << "shoal keys: unknown operation `" << op << "` (list, install, use, remove)\n";
    return 2;
  }
  if (!next) {
    err << "shoal keys " << op << ": " << next.error() << "\n";
    return 1;
  }
  if (std::string e = write_file_atomic(path, gossip::serialize_keyring(*next), FileMode::keep);
      !e.empty()) {
    err << "shoal keys " << op << ": " << e << "\n";
    return 1;
  }
  out << "keyring " << path << ": " << next->size() << " key(s); restart the peer to load it"
      << " (cluster-wide rotation over the API is not built yet)\n";
  return 0;
}

}  // namespace shoal::node

namespace shoal::node {

std::optional<std::string> apply_body(const std::string& file, std::ostream& err) {
  auto text = read_file(file);
  if (!text) {
    err << file << ":0:0: cannot read file\n";
    return std::nullopt;
  }
  auto parsed = config::parse_service_file(*text, file);
  if (!parsed.ok()) {
    for (const auto& d : parsed.errors) err << d.to_string() << "\n";
    return std::nullopt;
  }
  const std::string base = file.substr(file.find_last_of('/') + 1);
  return json_text(Json{{"file", base}, {"content", *text}});
}

int cmd_apply(const ApiTarget& api, const std::string& file, std::ostream& out,
              std::ostream& err) {
  const auto body = apply_body(file, err);
  if (!body) return 2;
  auto j = call(api, "POST", "/v1/apply", *body, err, "apply");
  if (!j) return 1;
  out << apply_text(*j);
  return 0;
}

std::string apply_text(const Json& j) {
  std::string names;
  if (j.contains("services") && j["services"].is_array())
    for (const auto& n : j["services"]) names += (names.empty() ? "" : ", ") + table_cell(n);
  std::string text = "applied " + names + " (" + table_cell(j.value("file", Json())) + " on " +
                     table_cell(j.value("peer", Json())) + ")\n";
  if (j.contains("warning") && j["warning"].is_string())
    text += "warning: " + table_cell(j["warning"]) + "\n";
  return text;
}

int cmd_delete(const ApiTarget& api, const std::string& name, std::ostream& out,
               std::ostream& err) {
  auto j = call(api, "DELETE", "/v1/services/" + name, "", err, "delete");
  if (!j) return 1;
  out << "deleted " << name << " (" << table_cell((*j)["file"]) << " on " << table_cell((*j)["peer"])
      << ")\n";
  return 0;
}

}  // namespace shoal::node

namespace shoal::node {

std::optional<nlohmann::json> api_call(const ApiTarget& api, const std::string& method,
                                       const std::string& target, const std::string& body,
                                       std::ostream& err, const char* cmd, int timeout_ms,
                                       std::string* index) {
  return call(api, method, target, body, err, cmd, timeout_ms, index);
}

}  // namespace shoal::node
