// What `shoal agent` settles before it binds anything: logging, the peer file read and
// resolved against the host, data_dir made private, the peer's name settled against it
// (node/rename_takeover.hpp), the last incarnation, the keyring, the API token, registry
// credentials and the API socket's path. Each failure is reported on `err` with the exit code
// run_agent returns: 2 for bad input (the peer file, a flag), 1 for the host.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/spec.hpp"
#include "node/agent.hpp"
#include "node/agent_setup.hpp"
#include "node/runtime/driver.hpp"
#include "node/runtime/faulty_driver.hpp"
#include "node/sealer.hpp"

namespace shoal::node {

struct AgentStart {
  config::PeerConfig cfg;
  AgentSetup setup;
  std::uint64_t incarnation = 0;
  Sealer sealer;
  std::string token;                            // api.token_file's, "" without one
  std::vector<runtime::Instance> foreign;       // labelled for another name: reported only
  std::optional<runtime::DriverFaults> faults;  // tests only: SHOAL_TEST_DRIVER_FAULTS
};

// The start, or the exit code after the reason went to `err`.
std::variant<int, AgentStart> prepare_agent(const AgentOptions& opts, std::ostream& err);

}  // namespace shoal::node
