// Publishes this peer's services folder into the replicated state (node/peer/spec_publisher.hpp
// decides what): spec/<name> for a new or changed service, erased for one gone from the folder,
// and the file of a service deleted cluster-wide renamed to FILE.deleted. data_dir/published
// (`name hash` lines) remembers what this peer wrote, so a restart republishes nothing that is
// unchanged and an edit made elsewhere meanwhile is not overwritten by a stale local file.
#pragma once

#include <map>
#include <string>

#include "gossip/engine.hpp"
#include "node/services_dir.hpp"

namespace shoal::node {

class FolderPublisher {
 public:
  FolderPublisher(ServicesDir& dir, std::string data_dir);

  // True when the store changed (the caller persists the state and reconciles).
  bool publish(gossip::Engine& gossip, gossip::Clock now);

 private:
  void save() const;

  ServicesDir& dir_;
  std::string file_;                               // data_dir/published
  std::map<std::string, std::string> published_;  // service -> hash of the spec written
};

}  // namespace shoal::node
