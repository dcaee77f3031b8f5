// The orphan decision the docker driver's watchdog makes (heartbeat_watch.hpp), on virtual time:
// stale only after orphan_timeout without a change of the heartbeat file's signature, measured
// from the last change seen; a change seen on the re-read right before a removal (an agent that
// woke up or restarted) makes it not stale again.
#include <catch2/catch.hpp>

#include "node/runtime/heartbeat_watch.hpp"

using shoal::runtime::heartbeat_check_every;
using shoal::runtime::HeartbeatSig;
using shoal::runtime::HeartbeatWatch;

namespace {
HeartbeatSig beat_at(std::int64_t sec, std::int64_t nsec = 0) {
  HeartbeatSig s;
  s.ino = 42;
  s.sec = sec;
  s.nsec = nsec;
  return s;
}
}  // namespace

TEST_CASE("heartbeat watch: stale exactly when unchanged for orphan_timeout", "[orphan]") {
  HeartbeatWatch w(beat_at(100), 1000);
  CHECK_FALSE(w.stale(beat_at(100), 1000, 3000));
  CHECK_FALSE(w.stale(beat_at(100), 3999, 3000));
  CHECK(w.stale(beat_at(100), 4000, 3000));
  CHECK(w.stale(beat_at(100), 90000, 3000));
}

TEST_CASE("heartbeat watch: every change restarts the count from when it was seen", "[orphan]") {
  HeartbeatWatch w(beat_at(100), 0);
  CHECK_FALSE(w.stale(beat_at(101), 2500, 3000));  // beating
  CHECK(w.heard() == 2500);
  CHECK_FALSE(w.stale(beat_at(102, 5), 5000, 3000));
  CHECK_FALSE(w.stale(beat_at(102, 5), 7999, 3000));  // the agent stopped beating at 5000
  CHECK(w.stale(beat_at(102, 5), 8000, 3000));
}

TEST_CASE("heartbeat watch: a beat on the re-read before a removal cancels the decision",
          "[orphan]") {
  HeartbeatWatch w(beat_at(100), 0);
  REQUIRE(w.stale(beat_at(100), 60000, 60000));      // decided: the peer is away
  CHECK_FALSE(w.stale(beat_at(160), 60050, 60000));  // re-read: a restarted agent beats again
  CHECK_FALSE(w.stale(beat_at(160), 119000, 60000)); // and gets a whole orphan_timeout again
  CHECK(w.stale(beat_at(160), 120050, 60000));
}

TEST_CASE("heartbeat watch: a clock step backwards is a change, a missing file is not",
          "[orphan]") {
  HeartbeatWatch w(beat_at(100), 0);
  CHECK_FALSE(w.stale(beat_at(50), 2999, 3000));  // mtime went back (clock step): still a beat
  CHECK(w.heard() == 2999);
  HeartbeatWatch missing(HeartbeatSig{}, 0);  // no heartbeat file: the agent never beat
  CHECK_FALSE(missing.stale(HeartbeatSig{}, 2999, 3000));
  CHECK(missing.stale(HeartbeatSig{}, 3000, 3000));
  // A new file (another inode) with the same mtime is a change too.
  HeartbeatSig other = beat_at(100);
  other.ino = 43;
  CHECK_FALSE(w.stale(other, 5000, 3000));
}

TEST_CASE("heartbeat watch: read a quarter of orphan_timeout apart, within [100, 1000] ms",
          "[orphan]") {
  CHECK(heartbeat_check_every(60000) == 1000);
  CHECK(heartbeat_check_every(3000) == 750);
  CHECK(heartbeat_check_every(200) == 100);
  CHECK(heartbeat_check_every(1) == 100);
}
