// synced_at_start: a peer that knows someone to ask is not synced before it asked.
#include <catch2/catch.hpp>

#include "node/peer/sync_gate.hpp"

TEST_CASE("sync gate: synced at start only when there is nobody to ask", "[node][sync]") {
  using shoal::node::synced_at_start;
  CHECK(synced_at_start(0, 0));         // the first peer of a new cluster
  CHECK_FALSE(synced_at_start(0, 3));   // a restarted seed (join = []) that knew 3 peers
  CHECK_FALSE(synced_at_start(2, 0));   // seeds configured
  CHECK_FALSE(synced_at_start(1, 4));
}

TEST_CASE("sync gate: later, after a push-pull or solo_after alone", "[node][sync]") {
  using shoal::node::synced_later;
  CHECK(synced_later(true, std::nullopt, 0, 30000));
  CHECK_FALSE(synced_later(false, std::nullopt, 100000, 30000));  // others seen, no push-pull
  CHECK_FALSE(synced_later(false, 1000, 30999, 30000));
  CHECK(synced_later(false, 1000, 31000, 30000));
}
