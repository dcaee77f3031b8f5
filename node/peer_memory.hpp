// What a peer keeps in its data_dir across restarts: the replicated state (a snapshot, written
// and fsynced on the state writer's thread, node/state_writer.hpp), the incarnation (so a
// restarted peer refutes its old self at once), and a few live members to rejoin through
// (node/known_peers.hpp). A state file that does not restore is moved aside, never
// overwritten: it may be all that is left of a cluster's desired state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gossip/engine.hpp"
#include "node/state_writer.hpp"

namespace shoal::node {

class PeerMemory {
 public:
  PeerMemory(std::string data_dir, std::uint64_t incarnation);

  // At start: data_dir/state into the engine's store.
  void restore_state(gossip::Engine& gossip, gossip::Clock now);
  // At start: the members remembered at the last run, added to `seeds` (not `self`, not twice).
  void add_remembered(std::vector<gossip::Address>& seeds, const gossip::Address& self);

  void save_state(const gossip::Store& store);  // a snapshot, handed to the writer
  void save_incarnation(std::uint64_t incarnation);  // when it changed
  // Rewrites data_dir/peers when the pick changes; kept while nobody else is alive.
  void remember_peers(const std::string& self, const gossip::Members& members);
  void stop();  // the last snapshot is on disk when it returns

 private:
  void keep_damaged_state(const std::string& why, gossip::Clock now);

  std::string data_dir_;
  std::uint64_t saved_incarnation_;
  std::string known_peers_;  // what data_dir/peers holds
  StateWriter writer_;
};

}  // namespace shoal::node
