// The containers a peer's docker driver made, as the engine lists them (label shoal.peer), and
// their removal: what the docker tests clean up after a peer they killed.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "node/runtime/docker_api.hpp"

namespace shoal::test {

// The engine's list of the peer's containers, running or not; [] when the engine does not answer.
inline nlohmann::json containers_of(const std::string& sock, const std::string& peer) {
  const nlohmann::json f = {{"label", {"shoal.peer=" + peer}}};
  auto r = runtime::DockerApi(sock, 10000)
               .request("GET", "/containers/json?all=true&filters=" + runtime::url_encode(f.dump()));
  if (!r || r->status != 200) return nlohmann::json::array();
  auto list = nlohmann::json::parse(r->body, nullptr, false);
  return list.is_array() ? list : nlohmann::json::array();
}

inline void remove_containers(const std::string& sock, const std::string& peer) {
  runtime::DockerApi api(sock, 10000);
  for (const auto& c : containers_of(sock, peer))
    if (c.is_object() && c.contains("Id") && c["Id"].is_string())
      (void)api.request("DELETE", "/containers/" + c["Id"].get<std::string>() + "?force=true");
}

}  // namespace shoal::test
