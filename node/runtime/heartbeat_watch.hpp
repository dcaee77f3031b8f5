// Whether the peer's orphan heartbeat (data_dir/heartbeat, touched about once a second by the
// agent: touch_heartbeat in process_driver.hpp) has stopped. The supervisors of the process
// driver and the docker driver's orphan watchdog (orphan_watchdog.hpp) decide it the same way:
// the file's signature (inode, mtime, size) has not changed for orphan_timeout of the watcher's
// own monotonic clock. A change, not the mtime itself, counts, so a wall-clock step on the host
// neither kills a live peer's instances nor keeps a dead peer's running.
#pragma once

#include <cstdint>
#include <string>

#include <sys/types.h>

#include "config/spec.hpp"

namespace shoal::runtime {

struct HeartbeatSig {
  std::uint64_t ino = 0;
  std::int64_t sec = 0, nsec = 0;
  std::int64_t size = 0;
  bool operator==(const HeartbeatSig&) const = default;
};

// stat(2) of the file; all zero when it does not exist (a missing file never changes).
HeartbeatSig read_heartbeat_sig(const std::string& path) noexcept;

// The decision, pure: readings and times come in as arguments (monotonic ms).
class HeartbeatWatch {
 public:
  HeartbeatWatch(const HeartbeatSig& first, config::Millis now) : sig_(first), heard_(now) {}

  // Records a reading taken at `now`; true when the signature has not changed for at least
  // `orphan_timeout` (measured from the last change seen, or from the first reading).
  bool stale(const HeartbeatSig& seen, config::Millis now, config::Millis orphan_timeout) {
    if (!(seen == sig_)) {
      sig_ = seen;
      heard_ = now;
    }
    return now - heard_ >= orphan_timeout;
  }

  config::Millis heard() const { return heard_; }

 private:
  HeartbeatSig sig_;
  config::Millis heard_;
};

// How often a watcher reads the heartbeat: a quarter of orphan_timeout, within [100, 1000] ms.
constexpr config::Millis heartbeat_check_every(config::Millis orphan_timeout) {
  return orphan_timeout / 4 < 100 ? 100 : (orphan_timeout / 4 > 1000 ? 1000 : orphan_timeout / 4);
}

}  // namespace shoal::runtime
