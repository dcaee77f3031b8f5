#include "node/peer/what_if.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "placement/contained.hpp"
#include "node/peer/query_string.hpp"
#include "node/peer/shown.hpp"

namespace shoal::node {

namespace {

using placement::InstanceId;

// The peers to take down, or the error naming what the view does not know.
std::set<std::string> resolve(const placement::View& view, const WhatIfDown& down,
                              std::string& error) {
  std::set<std::string> known, out;
  for (const auto& p : view.peers) known.insert(p.name);
  if (down.zone) {
    for (const auto& p : view.peers)
      if (p.zone == *down.zone) out.insert(p.name);
    if (out.empty()) error = "unknown zone `" + shown(*down.zone) + "`: no member declares it";
    return out;
  }
  std::vector<std::string> unknown;
  for (const auto& n : down.peers) {
    if (known.count(n)) out.insert(n);
    else unknown.push_back("`" + shown(n) + "`");
  }
  if (!unknown.empty()) {
    error = std::string(unknown.size() == 1 ? "unknown peer " : "unknown peers ");
    for (std::size_t i = 0; i < unknown.size() && i < 8; ++i) error += (i ? ", " : "") + unknown[i];
    if (unknown.size() > 8) error += ", ...";
  } else if (out.empty()) {
    error = "no peer to take down";
  }
  return out;
}

}  // namespace

WhatIfResult what_if(const placement::View& view, const placement::Assignment& now,
                     const WhatIfDown& down) {
  WhatIfResult r;
  const std::set<std::string> gone = resolve(view, down, r.error);
  if (!r.error.empty()) return r;
  r.down.assign(gone.begin(), gone.end());

  placement::View after = view;
  for (auto& p : after.peers)
    if (gone.count(p.name)) p.state = placement::MemberState::dead;
  const placement::Assignment then = placement::place_contained(after).assignment;

  std::map<InstanceId, const placement::Placed*> later;
  for (const auto& p : then.instances) later[p.id] = &p;
  // Both assignments are sorted by (service, index); walking `now` keeps the output sorted.
  for (const auto& p : now.instances) {
    if (!p.owner) continue;  // unplaced now: not a change
    auto it = later.find(p.id);
    if (it == later.end()) {
      // Only a global service's instance disappears: it is pinned to its own peer.
      r.unplaced.push_back({p.id.service, p.id.index, *p.owner,
                            "global: runs only on its own peer " + *p.owner + ", which is down"});
    } else if (!it->second->owner) {
      r.unplaced.push_back({p.id.service, p.id.index, *p.owner, it->second->reason});
    } else if (*it->second->owner != *p.owner) {
      r.moves.push_back({p.id.service, p.id.index, *p.owner, *it->second->owner});
    }
  }
  return r;
}

nlohmann::json what_if_json(const WhatIfResult& r) {
  nlohmann::json moves = nlohmann::json::array(), unplaced = nlohmann::json::array();
  for (const auto& m : r.moves)
    moves.push_back({{"service", m.service}, {"index", m.index}, {"from", m.from}, {"to", m.to}});
  for (const auto& u : r.unplaced) {
    unplaced.push_back(
        {{"service", u.service}, {"index", u.index}, {"from", u.from}, {"reason", u.reason}});
  }
  return {{"moves", std::move(moves)}, {"unplaced", std::move(unplaced)}, {"down", r.down}};
}

WhatIfQuery parse_what_if_query(std::string_view target) {
  WhatIfQuery q;
  const auto qm = target.find('?');
  std::string_view rest = qm == std::string_view::npos ? std::string_view() : target.substr(qm + 1);
  std::optional<std::string> peers, zone;
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view kv = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const auto eq = kv.find('=');
    const std::string_view key = kv.substr(0, eq);
    if (key != "down" && key != "down_zone") continue;
    auto val = percent_decode(eq == std::string_view::npos ? std::string_view() : kv.substr(eq + 1), false);
    if (!val) {
      q.error = std::string(key) + ": bad percent-encoding in `" + shown(kv) + "`";
      return q;
    }
    (key == "down" ? peers : zone) = std::move(*val);
  }
  if (peers.has_value() == zone.has_value()) {
    q.error = "expected exactly one of ?down=PEER[,PEER] and ?down_zone=ZONE";
    return q;
  }
  WhatIfDown d;
  if (zone) {
    if (zone->empty()) {
      q.error = "down_zone: expected a zone name";
      return q;
    }
    d.zone = std::move(*zone);
  } else {
    std::string_view s = *peers;
    while (true) {
      const auto comma = s.find(',');
      const std::string_view name = s.substr(0, comma);
      if (name.empty()) {
        q.error = "down: expected PEER[,PEER], got `" + shown(*peers) + "`";
        return q;
      }
      d.peers.emplace_back(name);
      if (comma == std::string_view::npos) break;
      s.remove_prefix(comma + 1);
    }
  }
  q.down = std::move(d);
  return q;
}

}  // namespace shoal::node
