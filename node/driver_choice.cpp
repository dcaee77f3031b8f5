#include "node/driver_choice.hpp"

#include <spdlog/spdlog.h>

#include "node/runtime/docker_driver.hpp"
#include "node/runtime/process_driver.hpp"

namespace shoal::node {

namespace {

constexpr config::Millis kEngineTimeout = 5000;  // docker: per engine request

void driver_log(std::string_view l) { spdlog::info("driver: {}", l); }

}  // namespace

ExecutorOptions executor_options(const config::PeerConfig& cfg, const AgentSetup& setup,
                                 const std::optional<runtime::DriverFaults>& faults) {
  ExecutorOptions o;
  o.self = setup.name;
  o.reconcile = cfg.reconcile;
  if (cfg.runtime.driver == "docker") {
    o.make_driver = [cfg, self = setup.name,
                     auths = setup.registry_auths]() -> std::unique_ptr<runtime::Driver> {
      runtime::DockerDriverOptions d;
      d.peer = self;
      d.socket = cfg.runtime.socket;  // empty: detected (and re-detected until found)
      d.timeout = kEngineTimeout;
      d.log = driver_log;
      d.registry_auths = auths;
      d.bind_roots = cfg.runtime.bind_roots;
      d.logs_dir = cfg.data_dir + "/logs";  // ended containers' logs (`shoal logs`)
      d.log_retention = cfg.runtime.log_retention;
      return std::make_unique<runtime::DockerDriver>(std::move(d));
    };
    o.engine_socket = [](runtime::Driver& d) {
      return static_cast<runtime::DockerDriver&>(d).socket();
    };
  } else {
    o.make_driver = [cfg, cgroups = setup.cgroups]() -> std::unique_ptr<runtime::Driver> {
      runtime::ProcessDriverOptions po;
      po.data_dir = cfg.data_dir;
      po.cgroup_setup = cgroups;
      po.orphan_timeout = cfg.runtime.orphan_timeout;
      po.log = driver_log;
      return std::make_unique<runtime::ProcessDriver>(std::move(po));
    };
  }
  if (faults) {
    o.make_driver = runtime::with_faults(std::move(o.make_driver), *faults,
                                         [](std::string_view l) { spdlog::warn("{}", l); });
  }
  o.log = [](std::string_view l) { spdlog::info("{}", l); };
  return o;
}

}  // namespace shoal::node
