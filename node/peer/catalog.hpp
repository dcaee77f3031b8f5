// The catalog: where each instance of a service runs and how to reach it, as this peer's view
// says (what live members report in status/<peer>, at their advertise addresses). What DNS
// answers, GET /v1/catalog/<service> returns and `shoal endpoints` prints. Pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/spec.hpp"
#include "gossip/types.hpp"
#include "placement/status.hpp"

namespace shoal::node {

struct Endpoint {
  std::string service;
  std::uint32_t index = 0;
  std::string peer;
  std::string address;                          // the peer's advertise address (host part)
  std::map<std::string, std::uint16_t> ports;  // port name -> host port
  placement::InstanceState state = placement::InstanceState::pending;
  bool serving = false;  // takes traffic: healthy, or running when there is no health check
};

// Whether an instance in `state` takes traffic.
bool serving(placement::InstanceState state, bool has_health_check);

// Every instance of `service` reported by a live (alive or suspect) member, ordered by index,
// then peer. `spec`: the service's desired state (null when unknown: then `running` serves).
std::vector<Endpoint> endpoints(std::string_view service, const gossip::Members& members,
                                const std::map<std::string, placement::PeerStatus>& statuses,
                                const config::ServiceSpec* spec);

// What GET /v1/catalog/<service> answers: endpoints_json of its endpoints (with its spec from
// `specs`), or nullopt when the service is unknown: no spec and no instance reported.
std::optional<nlohmann::json> catalog_answer(const std::string& service,
                                             const gossip::Members& members,
                                             const std::map<std::string, placement::PeerStatus>& statuses,
                                             const std::vector<config::ServiceSpec>& specs);

// [{"service","index","peer","address","ports":{"http":31001},"state"}] (DESIGN.md).
nlohmann::json endpoints_json(const std::vector<Endpoint>& endpoints);

// The answer's index for blocking queries (X-Shoal-Index): changes whenever `answer` does;
// never 0.
std::uint64_t catalog_index(const nlohmann::json& answer);

}  // namespace shoal::node
