// Which runtime driver the executor's worker makes (runtime.driver): docker over the engine's
// unix socket, or the process driver; wrapped in the fault-injecting driver when a test asks
// (SHOAL_TEST_DRIVER_FAULTS, node/runtime/faulty_driver.hpp). The drivers log through spdlog.
#pragma once

#include <optional>
#include <string>

#include "config/spec.hpp"
#include "node/agent_setup.hpp"
#include "node/executor.hpp"
#include "node/runtime/faulty_driver.hpp"

namespace shoal::node {

// The executor's options for this peer: its name, reconcile settings, driver and log.
ExecutorOptions executor_options(const config::PeerConfig& cfg, const AgentSetup& setup,
                                 const std::optional<runtime::DriverFaults>& faults);

}  // namespace shoal::node
