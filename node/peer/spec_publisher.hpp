// What a peer writes as spec/<name> for the services of its own services_dir (DESIGN "Service
// file"), decided from what it last published: the rules, with no I/O (the agent applies them).
//  - a local service is (re)published when its content differs from what this peer last
//    published, or the store has no spec/<name> at all;
//  - a local service deleted cluster-wide (spec/<name> a tombstone) whose file still holds what
//    this peer published is not re-published: its file is to be renamed NAME.toml.deleted;
//  - a published service no longer local is erased only on positive evidence (`gone`: two good
//    listings without it, or its file renamed by `shoal delete`).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "gossip/store.hpp"

namespace shoal::node {

struct LocalSpec {
  std::string name;
  std::string encoded;  // encode_spec()
  std::string hash;     // content_hash(encoded)
};

struct PublishPlan {
  std::vector<LocalSpec> put;       // write spec/<name> = encoded
  std::vector<std::string> erase;   // erase spec/<name>: it left the folder
  std::vector<std::string> rename;  // deleted cluster-wide: rename its file to FILE.deleted
};

// `published`: service -> hash of what this peer last wrote. `gone(name)`: whether a service
// not listed may be taken as removed.
PublishPlan plan_publish(const std::vector<LocalSpec>& local,
                         const std::map<std::string, std::string>& published,
                         const gossip::Store& state,
                         const std::function<bool(const std::string&)>& gone);

}  // namespace shoal::node
