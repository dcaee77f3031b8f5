// Host port selection for dynamic ports.
#pragma once

#include <cstdint>
#include <string>

#include "node/runtime/result.hpp"

namespace shoal::runtime {

// A TCP port that is free on `host` (an IPv4 or IPv6 literal; "0.0.0.0" = every address) right
// now: binds port 0, reads the port the kernel chose, closes. Another process may take it
// before the instance binds it; callers that hand out several ports avoid repeats themselves.
Result<std::uint16_t> find_free_port(const std::string& host);

}  // namespace shoal::runtime
