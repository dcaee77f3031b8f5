#include "sim/reconcile_loop.hpp"

#include <algorithm>
#include <optional>
#include <string_view>
#include <variant>

#include "config/spec.hpp"
#include "gossip/store.hpp"
#include "node/peer/placement_peer.hpp"
#include "node/peer/auto_revert.hpp"
#include "node/peer/spec_gate.hpp"
#include "node/peer/state_codec.hpp"
#include "placement/contained.hpp"
#include "placement/place.hpp"
#include "placement/spec_hash.hpp"
#include "sim/engine_access.hpp"
#include "sim/input_hash.hpp"

namespace shoal::sim {

using gossip::kMillis;
using gossip::kNever;
using gossip::kSeconds;
using gossip::MemberState;

void ReconcileLoop::start(std::uint32_t i) {
  SimPeer& p = peers_[i];
  p.reconciler = std::make_unique<placement::Reconciler>();
  p.instances.clear();
  p.outgoing.clear();
  p.failed_here.clear();
  p.shed.clear();
  p.view.reset();
  p.specs.reset();
  p.statuses.reset();
  p.relevant.reset();
  p.status_hash = 0;  // a fresh engine's store is empty
  p.status_part.clear();
  p.status_vals.clear();
  p.status_scan = false;
  p.statuses_seen = UINT64_MAX;
  p.local_changed = true;
  p.woken_for = kNever;
  queue_.push_at(now() + 1 * kSeconds, Ev::reconcile, i, 1, p.gen);  // arg 1: periodic
}

void ReconcileLoop::wake(std::uint32_t i, Micros at) {
  SimPeer& p = peers_[i];
  if (!p.up || p.woken_for == at) return;
  p.woken_for = at;
  queue_.push_at(at, Ev::reconcile, i, 0, p.gen);
}

void ReconcileLoop::local_changed(std::uint32_t i) {
  peers_[i].local_changed = true;
  wake(i, now());
}

void ReconcileLoop::next_round(std::uint32_t i, bool periodic) {
  SimPeer& p = peers_[i];
  if (periodic) {  // the loop goes on while the peer lives, frozen or not
    queue_.push_at(now() + 1 * kSeconds, Ev::reconcile, i, 1, p.gen);
  } else if (p.woken_for == now()) {
    p.woken_for = kNever;
  }
}

bool ReconcileLoop::ready_due(std::uint32_t i, bool periodic) {
  SimPeer& p = peers_[i];
  const bool due = p.peer->ready_due(now());  // observes readiness at every round
  return periodic && !p.meta.ready && due;
}

void ReconcileLoop::step(std::uint32_t i) {
  SimPeer& p = peers_[i];
  // Desired state and the others' statuses come from this peer's own store (replicated state).
  refresh_state_view(p);
  if (p.specs->empty() && p.instances.empty() && p.outgoing.empty()) return;  // nothing wanted, nothing running
  const std::uint64_t before_key = p.view_key;
  const bool had_view = static_cast<bool>(p.view);
  auto view = view_for(p);
  const bool view_changed = !had_view || p.view_key != before_key;
  const node::StepGates gates = p.peer->gates(now());
  const bool others_same = gates.synced == p.last_synced && gates.health_bad == p.last_health_bad &&
                           !view_changed && !p.local_changed && now() < p.wake_at;
  if (others_same && p.statuses_seen == p.status_hash) return;
  auto relevant = relevant_statuses(p, *view);
  p.statuses_seen = p.status_hash;
  if (others_same && p.relevant && *relevant == *p.relevant) {
    if (opt_.check_caches) check_skip(p);
    return;
  }
  p.relevant = relevant;
  run_step(i, *view, gates);
}

std::shared_ptr<const DecodedStateCache::StatusMap> ReconcileLoop::relevant_statuses(SimPeer& p,
                                                                              const ViewData& view) {
  // The others' statuses a step reads: Reconciler::step looks at them only for the instances
  // this peer owns or runs (runs_elsewhere, remote_on) and, for a rolling replacement, at every
  // instance of a service this peer runs at another spec hash (for_each_remote_of). So it gets
  // exactly those, and does not step when they did not change. check_caches verifies both
  // against a twin Reconciler fed the whole map.
  std::set<placement::InstanceId> ids;
  if (auto own = view.owned.find(p.name); own != view.owned.end())
    for (const auto& id : own->second) ids.insert(ids.end(), id);
  std::set<std::string> stale_services;
  for (const auto& [id, inst] : p.instances) {
    ids.insert(id);
    auto h = view.spec_hash.find(id.service);
    if (h != view.spec_hash.end() && h->second != inst.local.spec_hash)
      stale_services.insert(id.service);
  }
  auto relevant = std::make_shared<DecodedStateCache::StatusMap>(
      p.status_scan ? decoded_cache_.relevant(p.peer->engine().state(), ids, stale_services)
                    : decoded_cache_.relevant(
                          p.status_vals,
                          [&](std::size_t j) -> const std::string& {
                            return peers_[static_cast<std::uint32_t>(j)].name;
                          },
                          ids, stale_services));
  if (opt_.check_caches && !p.status_scan &&
      *relevant != decoded_cache_.relevant(p.peer->engine().state(), ids, stale_services))
    fail(p.name + ": statuses kept from events differ from its store's");
  // As node::Peer::other_statuses: a returned member's status from before its death says nothing.
  std::erase_if(*relevant, [&](const auto& kv) { return p.peer->status_stale(kv.first); });
  return relevant;
}

void ReconcileLoop::run_step(std::uint32_t i, const ViewData& view, const node::StepGates& gates) {
  SimPeer& p = peers_[i];
  ++reconcile_steps_;
  placement::ReconcileInputs in;
  in.now = now() / kMillis;
  in.self = p.name;
  in.assignment = &view.assignment;
  in.services = p.specs.get();
  in.peers = p.relevant.get();
  for (const auto& [id, inst] : p.instances) in.local.push_back(inst.local);
  for (const auto& [id, inst] : p.outgoing) {
    in.local.push_back(inst.local);
    in.local.back().outgoing = true;
  }
  for (const auto& [peer, st] : *p.relevant)  // the step asks only about these
    if (view.live.count(peer)) in.live_peers.insert(in.live_peers.end(), peer);
  in.synced = gates.synced;
  in.alone_since = gates.alone_since;
  in.health_bad = gates.health_bad;
  p.last_synced = gates.synced;
  p.last_health_bad = gates.health_bad;
  p.local_changed = false;
  std::optional<placement::Reconciler> twin;
  if (opt_.check_caches) twin = *p.reconciler;
  const placement::Plan plan = p.reconciler->step(in);
  if (twin) check_twin(*twin, in, p, plan);
  // The reconciler sees its own actions applied next step.
  if (runtime_.apply(p, i, plan)) p.local_changed = true;
  publish_status(i);
  latch_failed(i, view);
  p.wake_at = plan.wake_at ? *plan.wake_at * kMillis : kNever;
  if (plan.wake_at) wake(i, std::max(now() + 1, p.wake_at));
}

std::shared_ptr<const ViewData> ReconcileLoop::view_for(SimPeer& p) {
  // Keyed by exactly what placement reads: members (name, state, metadata) and spec versions.
  refresh_input_hash(p);
  const std::uint64_t key = mix64(p.placement_members_hash, p.spec_hash);
  if (p.view && p.view_key == key) return p.view;
  p.view_key = key;
  if (auto it = views_.find(key); it != views_.end()) {
    if (auto v = it->second.lock()) {
      ++placements_shared_;
      p.view = v;
      return v;
    }
  }
  placement::View view;
  auto data = std::make_shared<ViewData>();
  // Every member, dead and left too, as node::make_view gives the agent's placement (their
  // capacity keeps the balance limits steady while they are gone).
  for_each_member(p.peer->engine(), [&](const std::string& name, MemberState state, const gossip::Meta& meta) {
    if (is_live(state)) data->live.insert(name);
    view.peers.push_back(node::placement_peer(name, state, meta));
  });  // place() orders the peers by name itself
  view.services = *p.specs;
  data->assignment = placement::place(view);
  for (const auto& pl : data->assignment.instances)  // sorted by id, so each list is too
    if (pl.owner) data->owned[*pl.owner].push_back(pl.id);
  for (const auto& sp : view.services) data->spec_hash[sp.name] = placement::spec_hash(sp);
  ++placements_computed_;
  if (views_.size() > 4096)
    for (auto it = views_.begin(); it != views_.end();) it = it->second.expired() ? views_.erase(it) : std::next(it);
  views_[key] = data;
  p.view = data;
  return data;
}

void ReconcileLoop::refresh_state_view(SimPeer& p) {
  refresh_input_hash(p);
  if (!p.specs || p.specs_key != p.spec_hash) {
    p.specs = decoded_cache_.specs(p.peer->engine().state(), p.spec_hash);
    p.specs_key = p.spec_hash;
  }
  if (opt_.check_caches && p.status_hash != DecodedStateCache::status_hash(p.peer->engine().state()))
    fail(p.name + ": status hash kept from events differs from its store's");
  if (!opt_.check_caches) return;
  // The whole status map is only needed to cross-check the reduced one a step gets.
  if (!p.statuses || p.statuses_key != p.status_hash) {
    p.statuses = decoded_cache_.statuses(p.peer->engine().state(), p.status_hash);
    p.statuses_key = p.status_hash;
  }
  {
    DecodedStateCache fresh;  // nothing cached: every value decoded from this peer's own store
    if (*fresh.statuses(p.peer->engine().state(), p.status_hash) != *p.statuses)
      fail(p.name + ": shared statuses differ from its store's");
  }
}

namespace {

// A step's inputs as node/'s agent builds them from the same peer (node/peer/peer.hpp): the
// gated specs of its store, placed over all its members, and the decoded statuses of its live
// others. check_caches holds the simulator's shared, cached and reduced inputs to the same plan.
struct AgentInputs {
  explicit AgentInputs(const node::Peer& peer)
      : services(node::running_specs(node::SpecGate().specs(peer.engine().state()), peer.engine().state())),
        assignment(placement::place_contained(peer.placement_view(services)).assignment),
        peers(peer.other_statuses()),
        live(peer.live_peers()) {}
  void into(placement::ReconcileInputs& in) const {
    in.services = &services;
    in.assignment = &assignment;
    in.peers = &peers;
    in.live_peers = live;
  }
  std::vector<config::ServiceSpec> services;
  placement::Assignment assignment;
  std::map<std::string, placement::PeerStatus> peers;
  std::set<std::string> live;
};

std::string render(const placement::Plan& plan) {
  std::string s;
  for (const auto& a : plan.actions) {
    if (const auto* x = std::get_if<placement::StopAction>(&a))
      s += "stop " + x->id.to_string() + " " + std::string(placement::to_string(x->reason)) + ";";
    else if (const auto* x = std::get_if<placement::MarkAction>(&a))
      s += "mark " + x->id.to_string() + " " + std::string(placement::to_string(x->state)) + ";";
    else if (const auto* x = std::get_if<placement::AdoptAction>(&a))
      s += "adopt " + x->id.to_string() + ";";
    else if (const auto* x = std::get_if<placement::StartAction>(&a))
      s += "start " + x->id.to_string() + " " + std::string(placement::to_string(x->reason)) + ";";
  }
  for (const auto& [id, settled] : plan.settled) s += "settled " + id.to_string() + (settled ? " 1;" : " 0;");
  for (const auto& id : plan.overdue) s += "overdue " + id.to_string() + ";";
  return s + "wake " + (plan.wake_at ? std::to_string(*plan.wake_at) : "-");
}

}  // namespace

void ReconcileLoop::check_skip(SimPeer& p) {
  placement::Reconciler twin = *p.reconciler;
  placement::ReconcileInputs full;
  full.now = now() / kMillis;
  full.self = p.name;
  for (const auto& [id, inst] : p.instances) full.local.push_back(inst.local);
  for (const auto& [id, inst] : p.outgoing) {
    full.local.push_back(inst.local);
    full.local.back().outgoing = true;
  }
  full.synced = p.last_synced;
  if (auto alone = p.peer->readiness().alone_since()) full.alone_since = *alone / kMillis;
  full.health_bad = p.last_health_bad;
  const AgentInputs agent(*p.peer);
  agent.into(full);
  if (!twin.step(full).actions.empty())
    fail(p.name + ": a skipped reconcile step would have acted on the agent's inputs");
}

void ReconcileLoop::status_changed(SimPeer& p, const std::string& key) {
  const auto j = peers_.named(std::string_view(key).substr(gossip::kStatusPrefix.size()));
  const gossip::Entry* e = p.peer->engine().state().find(key);
  if (!j) {  // not a simulated peer's name: rescan
    p.status_hash = DecodedStateCache::status_hash(p.peer->engine().state());
    p.status_scan = true;
    return;
  }
  if (p.status_part.size() < peers_.size()) {
    p.status_part.resize(peers_.size(), 0);
    p.status_vals.resize(peers_.size());
  }
  p.status_vals[*j] = decoded_cache_.status_value(e);
  std::uint64_t& part = p.status_part[*j];
  const std::uint64_t now_part = DecodedStateCache::status_entry_hash(e);
  p.status_hash ^= part ^ now_part;
  part = now_part;
}

// What node/'s agent does after computing a step's inputs (node/deploy_api.hpp): deploy/<name>
// for a version failed in its view. Only an owner of an overdue copy can see that from the
// statuses a simulated step keeps (its own); that owner is enough to latch it.
void ReconcileLoop::latch_failed(std::uint32_t i, const ViewData& view) {
  SimPeer& p = peers_[i];
  bool overdue = false;
  for (const auto& [id, inst] : p.instances) overdue = overdue || inst.overdue;
  if (!overdue) return;
  DecodedStateCache::StatusMap statuses = *p.relevant;
  statuses[p.name] = own_status(p);
  const auto due = node::verdicts_due(*p.specs, decoded_cache_.reverts(p.specs_key), view.assignment, statuses,
                                      p.peer->engine().state());
  for (const auto& [key, value] : due) {
    const gossip::Version v = p.peer->engine().put(clock(p, now()), key, gossip::string_to_bytes(value));
    checker_.track_write(key, v);
    p.hash_dirty = true;
    wake(i, now() + 10 * kMillis);
  }
}

std::string ReconcileLoop::outcome(std::uint32_t i, const std::string& service) {
  SimPeer& p = peers_[i];
  refresh_state_view(p);
  const auto view = view_for(p);
  const auto all = decoded_cache_.statuses(p.peer->engine().state(), DecodedStateCache::status_hash(p.peer->engine().state()));
  for (const auto& sp : *p.specs)
    if (sp.name == service)
      return node::deployment_outcome(sp, decoded_cache_.reverts(p.specs_key), view->assignment, *all);
  return "";
}

void ReconcileLoop::publish_status(std::uint32_t i) {
  // What node/'s agent does after each reconcile step: status/<self>, when its encoding changed.
  SimPeer& p = peers_[i];
  placement::PeerStatus st = own_status(p);
  const std::optional<gossip::Version> v = p.peer->publish_status(clock(p, now()), st);
  if (!v) return;
  const std::string key = gossip::Store::status_key(p.name);
  decoded_cache_.remember_status(key, *v, std::move(st));
  status_changed(p, key);  // now, not at the engine's event: the hash must match the store
  ++status_writes_;
  checker_.track_write(key, *v);
}


void ReconcileLoop::check_twin(const placement::Reconciler& twin_in, const placement::ReconcileInputs& in,
                               const SimPeer& p, const placement::Plan& plan) {
  placement::Reconciler twin = twin_in;
  placement::ReconcileInputs full = in;
  const AgentInputs agent(*p.peer);
  agent.into(full);
  const std::string agent_plan = render(twin.step(full));
  if (agent_plan == render(plan)) return;
  // Which of the agent's inputs makes the difference, each alone in the simulator's.
  auto with = [&](auto&& set) {
    placement::Reconciler t = twin_in;
    placement::ReconcileInputs x = in;
    set(x);
    return render(t.step(x));
  };
  fail(p.name + ": a step on the simulator's inputs differs from one on the agent's: " +
       render(plan) + " vs " + agent_plan + "; with the agent's statuses alone: " +
       with([&](auto& x) { x.peers = &agent.peers; x.live_peers = agent.live; }) +
       "; its assignment alone: " + with([&](auto& x) { x.assignment = &agent.assignment; }) +
       "; its specs alone: " + with([&](auto& x) { x.services = &agent.services; }));
}

}  // namespace shoal::sim
