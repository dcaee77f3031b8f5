// Host port selection for dynamic ports.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "config/spec.hpp"
#include "node/runtime/driver.hpp"
#include "node/runtime/result.hpp"

namespace shoal::runtime {

// A TCP port that is free on `host` (an IPv4 or IPv6 literal; "0.0.0.0" = every address) right
// now: binds port 0, reads the port the kernel chose, closes. Another process may take it
// before the instance binds it; callers that hand out several ports avoid repeats themselves.
Result<std::uint16_t> find_free_port(const std::string& host);

// Host ports for a service's ports: static ones as written, dynamic ones free on `host` now and
// not in `used` (the host ports this peer's instances already hold). Adds each pick to `used`.
Result<std::vector<HostPort>> assign_host_ports(const std::vector<config::Port>& ports,
                                                const std::string& host,
                                                std::set<std::uint16_t>& used);

}  // namespace shoal::runtime
