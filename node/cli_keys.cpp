// `shoal keys` against the cluster (node/key_rotation.hpp): through one peer's API.
#include <chrono>
#include <ostream>
#include <thread>

#include "node/cli_client.hpp"

namespace shoal::node {

using Json = nlohmann::json;

namespace {

bool live(const Json& p) {
  const std::string s = p.value("state", "");
  return s == "alive" || s == "suspect";
}

// Live peers whose acknowledged keyring is not `digest`.
std::vector<std::string> lagging(const Json& view, const std::string& digest) {
  std::vector<std::string> out;
  for (const auto& p : view["peers"]) {
    if (live(p) && p.value("digest", Json()) != Json(digest)) out.push_back(p.value("name", ""));
  }
  return out;
}

void print_list(const Json& v, std::ostream& out) {
  out << "KEY               PRIMARY\n";
  bool first = true;
  for (const auto& k : v["keys"]) {
    out << k.get<std::string>() << "  " << (first ? "yes" : "no") << "\n";
    first = false;
  }
  const std::string mine = v.value("digest", "");
  out << "\nPEER  STATE  KEYRING\n";
  for (const auto& p : v["peers"]) {
    const Json d = p.value("digest", Json());
    out << p.value("name", "") << "  " << p.value("state", "") << "  "
        << (d == Json(mine) ? "same" : d.is_string() ? "other (" + d.get<std::string>() + ")"
                                                     : std::string("unknown"))
        << "\n";
  }
  out << "\nconverged: " << (v.value("converged", false) ? "yes" : "no") << "\n";
}

}  // namespace

int cmd_keys_cluster(const ApiTarget& api, const std::string& op, const std::string& key,
                     bool json, int wait_ms, std::ostream& out, std::ostream& err) {
  if ((op == "list") != key.empty()) {
    err << "shoal keys " << op << ": " << (op == "list" ? "takes no KEY" : "needs a KEY") << "\n";
    return 2;
  }
  if (op == "list") {
    auto v = api_call(api, "GET", "/v1/keys", "", err, "keys");
    if (!v) return 1;
    if (json) {
      out << v->dump(-1, ' ', false, Json::error_handler_t::replace) << "\n";
    } else {
      print_list(*v, out);
    }
    return 0;
  }
  auto r = api_call(api, "POST", "/v1/keys", Json{{"op", op}, {"key", key}}.dump(), err, "keys");
  if (!r) return 1;
  const std::string digest = r->value("digest", "");
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  std::optional<Json> v;
  while (true) {
    v = api_call(api, "GET", "/v1/keys", "", err, "keys");
    if (!v) return 1;
    if (lagging(*v, digest).empty() || std::chrono::steady_clock::now() >= end) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const auto late = lagging(*v, digest);
  for (const auto& p : (*v)["peers"]) {
    if (!live(p)) continue;
    const bool done = p.value("digest", Json()) == Json(digest);
    out << p.value("name", "") << "  " << (done ? "done" : "pending") << "\n";
  }
  if (!late.empty()) {
    err << "shoal keys " << op << ": " << late.size()
        << " live peer(s) have not adopted the new keyring yet; `shoal keys list` shows "
           "progress\n";
    return 1;
  }
  out << "keys " << op << ": every live peer uses keyring " << digest << "\n";
  return 0;
}

}  // namespace shoal::node
