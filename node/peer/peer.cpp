#include "node/peer/peer.hpp"

#include <string_view>
#include <utility>

#include "gossip/bytes.hpp"
#include "gossip/store.hpp"
#include "node/peer/placement_peer.hpp"
#include "node/peer/state_codec.hpp"

namespace shoal::node {

Peer::Peer(gossip::Identity self, gossip::Config cfg, std::uint64_t seed,
           gossip::Micros started_at, PeerTiming timing,
           std::shared_ptr<gossip::Interner> interner)
    : engine_(std::move(self), std::move(cfg), seed, std::move(interner)),
      readiness_(started_at, timing.join_grace, timing.solo_after) {}

bool Peer::ready_due(gossip::Micros now) {
  readiness_.observe(now, engine_.joined(), engine_.live_members());
  return readiness_.ready_due(now);
}

bool Peer::announce_ready(gossip::Clock now, gossip::Outbox& out) {
  gossip::Meta meta = engine_.find_member(name())->meta;
  meta.ready = true;
  if (!engine_.set_meta(now, meta, out)) return false;
  readiness_.announced();
  return true;
}

StepGates Peer::gates(gossip::Micros now) {
  readiness_.observe(now, engine_.joined(), engine_.live_members());
  StepGates g;
  g.synced = readiness_.synced();
  if (auto alone = readiness_.alone_since()) g.alone_since = *alone / gossip::kMillis;
  g.health_bad = stall_gate_.bad(now, engine_.stats().stalls);
  return g;
}

void Peer::observe(const gossip::Event& e) {
  using K = gossip::EventKind;
  switch (e.kind) {
    case K::member_dead:
    case K::member_left: {
      if (e.name == name()) return;
      auto v = engine_.state().version_of(gossip::Store::status_key(e.name));
      if (!v) return;
      auto [it, fresh] = status_at_death_.try_emplace(e.name, *v);
      if (!fresh && it->second < *v) it->second = std::move(*v);
      return;
    }
    case K::member_forgotten: status_at_death_.erase(e.name); return;
    // The others may hold our last status as stale: write it again, newer.
    case K::self_refuted: last_status_.clear(); return;
    default: return;
  }
}

bool Peer::status_stale(const std::string& member) const {
  auto it = status_at_death_.find(member);
  if (it == status_at_death_.end()) return false;
  auto v = engine_.state().version_of(gossip::Store::status_key(member));
  return v && *v <= it->second;
}

std::optional<gossip::Version> Peer::publish_status(gossip::Clock now,
                                                    const placement::PeerStatus& status) {
  std::string enc = encode_status(status);
  if (enc == last_status_) return std::nullopt;
  const gossip::Version v =
      engine_.put(now, gossip::Store::status_key(name()), gossip::string_to_bytes(enc));
  last_status_ = std::move(enc);
  return v;
}

std::set<std::string> Peer::live_peers() const {
  std::set<std::string> out;
  engine_.for_each_member([&](const gossip::MemberView& m) {
    if (is_live(m.state)) out.insert(m.name);
  });
  return out;
}

std::map<std::string, placement::PeerStatus> Peer::other_statuses() const {
  std::map<std::string, placement::PeerStatus> out;
  engine_.for_each_member([&](const gossip::MemberView& m) {
    if (m.name == name() || !is_live(m.state)) return;
    const gossip::Bytes* b = engine_.state().get(gossip::Store::status_key(m.name));
    if (!b) return;
    if (status_stale(m.name)) {
      out[m.name] = placement::PeerStatus{};  // reports nothing running
      return;
    }
    auto st = decode_status(std::string_view(reinterpret_cast<const char*>(b->data()), b->size()));
    if (st) out[m.name] = std::move(*st);
  });
  return out;
}

placement::View Peer::placement_view(const std::vector<config::ServiceSpec>& specs) const {
  placement::View v = make_view(engine_.members(), specs);
  v.avoid = avoid();
  return v;
}

placement::Avoid Peer::avoid() const {
  std::map<std::string, placement::PeerStatus> listing;
  std::set<std::string> live;
  engine_.for_each_member([&](const gossip::MemberView& m) {
    if (!is_live(m.state) || status_stale(m.name)) return;
    const gossip::Bytes* b = engine_.state().get(gossip::Store::status_key(m.name));
    if (!b) return;
    const std::string_view text(reinterpret_cast<const char*>(b->data()), b->size());
    if (text.find("\"f\"") == std::string_view::npos) return;  // lists no failure: skip the decode
    if (auto st = decode_status(text)) {
      live.insert(m.name);
      listing[m.name] = std::move(*st);
    }
  });
  return placement::avoid_of(listing, live);
}

}  // namespace shoal::node
