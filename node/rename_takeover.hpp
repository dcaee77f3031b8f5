// What a start does to instances labelled with a name other than this peer's (shoal.peer), so
// that none is left running unreported:
// - `shoal agent --rename` from OLD: every instance labelled OLD is stopped (grace, then a
//   force-stop), and the start waits, bounded, until the driver reports their end; placement then
//   starts them afresh under the new name. Stopping, not adopting: a container's labels cannot
//   change, and a process instance's record is written by its own supervisor. Only when none
//   is left is data_dir/name rewritten, so a failed take-over is retried by the next --rename.
// - Any other name (a rename before data_dir/name existed, a copied data_dir): the instance is
//   a "foreign instance": logged as a warning and listed in /v1/status (`foreign_instances`),
//   neither adopted nor stopped. The process driver lists every record of data_dir; the docker
//   driver lists only its own label (an engine may be shared by several peers), so it reports
//   none.
// Runs in `shoal agent` before the peer opens its sockets, on the calling thread.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "config/spec.hpp"
#include "node/runtime/driver.hpp"

namespace shoal::node {

struct TakeoverOptions {
  config::Millis grace = 10000;       // stop grace of each instance (its spec is not known yet)
  config::Millis force_after = 5000;  // past the grace: force_stop
  config::Millis give_up_after = 5000;  // past the force: refuse to start
  config::Millis poll_every = 100;
  std::function<config::Millis()> now;          // monotonic ms
  std::function<void(config::Millis)> sleep;    // waits that long
  std::function<void(const std::string&)> log;  // one line per notable event
};

struct TakeoverResult {
  std::vector<std::string> stopped;  // driver ids of the old name's instances, now ended
  std::vector<std::string> left;     // still listed when the bound ran out
  std::string error;                 // non-empty: the take-over failed (start refused)
};

// Stops every instance `driver` lists labelled `old_name` and waits until the driver's poll()
// reports each one's end (poll also reaps it, or removes its container); after a force_stop,
// no longer being listed is enough.
TakeoverResult take_over(runtime::Driver& driver, const std::string& old_name,
                         const TakeoverOptions& opt);

// Listed instances labelled with another name than `self`.
std::vector<runtime::Instance> foreign_instances(const std::vector<runtime::Instance>& listed,
                                                 const std::string& self);

// What run_agent calls: reads data_dir/name, decides (node/peer_identity.hpp), takes over the
// old name's instances when renamed, rewrites the file, lists foreign instances. 0 to go on,
// else the exit code (1) after a message on `err`. `foreign` receives the foreign instances.
int settle_identity(const config::PeerConfig& cfg, const std::string& name, bool rename,
                    std::ostream& err, std::vector<runtime::Instance>& foreign);

}  // namespace shoal::node
