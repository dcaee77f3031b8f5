// Publishes this peer's services folder into the replicated state (node/peer/spec_publisher.hpp
// decides what): spec/<name> for a new or changed service, erased for one gone from the folder,
// and the file of a service deleted cluster-wide renamed to FILE.deleted. data_dir/published
// (`name hash` lines) remembers what this peer wrote, so a restart republishes nothing that is
// unchanged and an edit made elsewhere meanwhile is not overwritten by a stale local file.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gossip/engine.hpp"
#include "node/services_dir.hpp"

namespace shoal::node {

class FolderPublisher {
 public:
  FolderPublisher(ServicesDir& dir, std::string data_dir);

  // Reads the folder (ServicesDir::scan: `timed`, the once-a-second listing, is the only one
  // that counts as evidence of absence); logs what it defines when that changed, and each
  // error once.
  void scan(bool timed);
  // True when the store changed (the caller persists the state and reconciles). `outcome(name)`
  // is the deployment in force of that service in this peer's view (node/peer/auto_revert.hpp):
  // a new value records it in its history (node/peer/spec_history.hpp).
  using Outcome = std::function<std::string(const std::string& name)>;
  bool publish(gossip::Engine& gossip, gossip::Clock now, const Outcome& outcome = {});

  // The folder's services whose spec in force is another peer's different edit (the newer
  // edit wins, DESIGN "Service file"): [{"service","file","origins","in_force"}], origins
  // being `self` and the peer whose version is in force.
  nlohmann::json conflicts(const gossip::Store& store, const std::string& self) const;
  // The folder's service names, sorted.
  nlohmann::json names() const;

 private:
  void save() const;

  ServicesDir& dir_;
  std::string file_;                               // data_dir/published
  std::map<std::string, std::string> published_;  // service -> hash of the spec written
  std::vector<std::string> reported_errors_;      // logged already
};

}  // namespace shoal::node
