#include "node/peer/readiness.hpp"

namespace shoal::node {

void Readiness::observe(gossip::Micros now, bool engine_joined, std::size_t live_members) {
  if (live_members > 1) {
    alone_since_.reset();
  } else if (!alone_since_) {
    alone_since_ = now;
  }
  if (engine_joined || (alone_since_ && now - *alone_since_ >= solo_after_)) synced_ = true;
}

bool Readiness::ready_due(gossip::Micros now) const {
  return !ready_ && synced_ && now - started_at_ >= join_grace_;
}

}  // namespace shoal::node
