// A deployment on three peers for the peer core's tests (node/peer/auto_revert.hpp,
// node/peer/canary.hpp): each peer has its own Reconciler on virtual time and its own store;
// `spread` exchanges the stores' entries, each in its own order, as gossip delivers them.
#pragma once

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gossip/bytes.hpp"
#include "gossip/store.hpp"
#include "node/peer/auto_revert.hpp"
#include "node/peer/spec_gate.hpp"
#include "node/peer/spec_history.hpp"
#include "node/peer/state_codec.hpp"
#include "placement/spec_hash.hpp"
#include "tests/placement/reconcile_fixture.hpp"

namespace shoal::deploy_testing {

using namespace shoal::placement::testing;
using placement::InstanceState;

inline config::ServiceSpec web(int version, bool auto_revert = true) {
  auto s = make_service("web", 3, /*health_check=*/true);
  s.env["VERSION"] = std::to_string(version);
  s.update = config::UpdatePolicy{};
  s.update->min_healthy_time = 1000;
  s.update->healthy_deadline = 5000;
  s.update->auto_revert = auto_revert;
  return s;
}

// What a writer puts as spec/web over `store`'s current value, the current version `outcome`.
inline void publish(gossip::Store& store, std::int64_t wall_ms, const config::ServiceSpec& s,
             const std::string& outcome) {
  const std::string v = node::spec_value(node::encode_spec(s),
                                         node::current_value(store.find("spec/web"), outcome),
                                         wall_ms, store.self());
  store.put(wall_ms * 1000, "spec/web", gossip::string_to_bytes(v));
}

// Every store takes every other's entries, each in its own order (as gossip delivers them).
inline void spread(std::vector<gossip::Store>& stores, std::int64_t wall_ms) {
  std::vector<gossip::Entry> all;
  for (auto& s : stores)
    for (const auto& [k, e] : s.entries()) all.push_back(e);
  for (std::size_t i = 0; i < stores.size(); ++i) {
    auto mine = all;
    std::rotate(mine.begin(), mine.begin() + static_cast<long>(i % mine.size()), mine.end());
    for (auto& e : mine) stores[i].merge(wall_ms * 1000, e);
  }
}

inline placement::PeerStatus status_of(const Harness& h) {
  placement::PeerStatus st;
  for (const auto& l : h.local) {
    placement::InstanceStatus s;
    s.id = l.id;
    s.state = l.state;
    s.spec_hash = l.spec_hash;
    if (auto it = h.last.settled.find(l.id); it != h.last.settled.end()) s.settled = it->second;
    s.overdue = h.last.overdue.count(l.id) > 0;
    st.instances.push_back(s);
  }
  std::sort(st.instances.begin(), st.instances.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  return st;
}

struct Cluster3 {
  std::vector<std::string> names{"a", "b", "c"};
  std::vector<Harness> peers;
  std::vector<gossip::Store> stores;
  placement::Assignment asg = assign({{"web", 0, "a"}, {"web", 1, "b"}, {"web", 2, "c"}});

  Cluster3() {
    for (const auto& n : names) {
      peers.emplace_back(config::PeerConfig::Reconcile{}, n);
      stores.emplace_back(n);
    }
  }
  std::map<std::string, placement::PeerStatus> statuses() const {
    std::map<std::string, placement::PeerStatus> out;
    for (const auto& h : peers) out[h.self] = status_of(h);
    return out;
  }
  // One round: each peer reads its store, latches a verdict it derives, steps and applies;
  // copies of the version `never` stay `starting` (never healthy); others turn healthy.
  void round(placement::Millis now, const std::string& never) {
    for (std::size_t i = 0; i < peers.size(); ++i) {
      Harness& h = peers[i];
      node::Reverts rev;
      h.services = node::running_specs(node::SpecGate().specs(stores[i]), stores[i], &rev);
      h.assignment = asg;
      h.live = {names.begin(), names.end()};
      const auto all = statuses();
      for (const auto& [k, v] : node::verdicts_due(h.services, rev, asg, all, stores[i]))
        stores[i].put(now * 1000, k, gossip::string_to_bytes(v));
      h.peers.clear();
      for (const auto& [n, st] : all)
        if (n != h.self) h.peers[n] = st;
      h.step_apply(now);
      h.finish_stops();
      for (auto& l : h.local)
        if (l.state == InstanceState::starting && l.spec_hash != never) l.state = InstanceState::healthy;
    }
  }
  std::set<std::string> hashes() const {
    std::set<std::string> out;
    for (const auto& h : peers)
      for (const auto& l : h.local) out.insert(l.spec_hash);
    return out;
  }
};


}  // namespace shoal::deploy_testing
