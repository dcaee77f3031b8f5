// How long the calling thread has been runnable but waiting for a CPU, in all: the second field
// of /proc/thread-self/schedstat (ns). The kernel counts a throttled cgroup's time in it, so
// it tells a starved agent from an idle one (node/peer/starvation.hpp).
#pragma once

#include <optional>
#include <string_view>

#include "gossip/types.hpp"

namespace shoal::node {

// In µs; nullopt when the kernel keeps no schedstat or the text is not what it writes.
std::optional<gossip::Micros> thread_run_delay();

// The schedstat text "<on-cpu ns> <run delay ns> <timeslices>\n" -> the run delay in µs.
std::optional<gossip::Micros> parse_run_delay(std::string_view schedstat);

}  // namespace shoal::node
