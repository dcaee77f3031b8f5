#include "gossip/types.hpp"

namespace shoal::gossip {

const char* to_string(MemberState s) {
  switch (s) {
    case MemberState::alive: return "alive";
    case MemberState::suspect: return "suspect";
    case MemberState::dead: return "dead";
    case MemberState::left: return "left";
  }
  return "unknown";
}

const char* to_string(EventKind k) {
  switch (k) {
    case EventKind::member_joined: return "joined";
    case EventKind::member_alive: return "alive";
    case EventKind::member_suspect: return "suspect";
    case EventKind::member_dead: return "dead";
    case EventKind::member_left: return "left";
    case EventKind::member_updated: return "updated";
    case EventKind::member_forgotten: return "forgotten";
    case EventKind::name_conflict: return "name_conflict";
    case EventKind::self_refuted: return "self_refuted";
    case EventKind::join_succeeded: return "join_succeeded";
  }
  return "unknown";
}

}  // namespace shoal::gossip
