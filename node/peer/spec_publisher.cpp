#include "node/peer/spec_publisher.hpp"

#include <set>

namespace shoal::node {

PublishPlan plan_publish(const std::vector<LocalSpec>& local,
                         const std::map<std::string, std::string>& published,
                         const gossip::Store& state,
                         const std::function<bool(const std::string&)>& gone) {
  PublishPlan plan;
  std::set<std::string> names;
  for (const auto& sv : local) {
    names.insert(sv.name);
    const gossip::Entry* e = state.find("spec/" + sv.name);
    const auto it = published.find(sv.name);
    const bool ours = it != published.end() && it->second == sv.hash;
    if (ours && e != nullptr && e->deleted) {
      plan.rename.push_back(sv.name);
    } else if (!ours || e == nullptr) {
      plan.put.push_back(sv);
    }
  }
  for (const auto& [name, hash] : published)
    if (!names.count(name) && gone(name)) plan.erase.push_back(name);
  return plan;
}

}  // namespace shoal::node
