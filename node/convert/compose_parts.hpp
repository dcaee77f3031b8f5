// The readers of one compose service's keys, shared by compose_service.cpp and the files of
// its larger parts (deploy, ports, healthcheck, volumes). Internal to node/convert.
#pragma once

#include <string>

#include <yaml-cpp/yaml.h>

#include "node/convert/service_draft.hpp"
#include "node/convert/yaml_walk.hpp"

namespace shoal::convert {

// A warning "not converted: WHY" at `at`, and `key` in the file's header comment.
void not_converted(Walk& w, ServiceDraft& d, const YAML::Node& at, const std::string& key,
                   const std::string& why);

// A compose duration ("1m30s") Shoal can read; otherwise a warning and nullopt.
std::optional<config::Millis> read_duration(Walk& w, ServiceDraft& d, const YAML::Node& n,
                                            const std::string& key);

// `$$` -> `$`, with a warning when `$VAR` interpolation is kept as written.
std::string literal(Walk& w, const YAML::Node& at, const std::string& key,
                    const std::string& text);

// The service-level cpus, mem_limit and mem_reservation (compose v2's resources), after the
// deploy key: deploy.resources wins.
void read_service_resources(Walk& w, const std::vector<Entry>& entries, const std::string& key,
                            ServiceDraft& d);
void read_deploy(Walk& w, const YAML::Node& n, const std::string& key, ServiceDraft& d);
void read_ports(Walk& w, const YAML::Node& n, const std::string& key, ServiceDraft& d);
void read_healthcheck(Walk& w, const YAML::Node& n, const std::string& key, ServiceDraft& d);
void read_volumes(Walk& w, const YAML::Node& n, const std::string& key, ServiceDraft& d);

// Reads one compose service (its mapping) into `d`; false when it has no image (then it is
// skipped, with a warning).
bool read_service(Walk& w, const YAML::Node& n, const std::string& key, ServiceDraft& d);

}  // namespace shoal::convert
