#include "node/placement_cache.hpp"

namespace shoal::node {

const placement::Assignment& PlacementCache::get(std::uint64_t view_hash,
                                                 const std::vector<config::ServiceSpec>& specs,
                                                 const placement::Avoid& avoid) {
  if (view_hash_ == view_hash && specs_ == specs && avoid_ == avoid) return assignment_;
  // Forget the old key first: a `place` that throws leaves no stale assignment behind it.
  view_hash_.reset();
  assignment_ = place_(specs);
  ++placements_;
  specs_ = specs;
  avoid_ = avoid;
  view_hash_ = view_hash;
  return assignment_;
}

}  // namespace shoal::node
