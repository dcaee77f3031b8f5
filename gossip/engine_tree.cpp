// The engine's side of the broadcast tree (tree.hpp): links, the per-interval flush of new
// per-peer values, grafts of announced values the tree did not bring, and the tree messages.
#include <algorithm>

#include "gossip/engine.hpp"
#include "gossip/wire.hpp"

namespace shoal::gossip {

namespace {
constexpr std::size_t kIdOverhead = 12;  // an id's array header and hlc, at most
}  // namespace

std::size_t Engine::tree_room() const {
  // A datagram: version, type, array header, kind, our name, the ids' and the batch's headers.
  const std::size_t head = 16 + self_.name.size();
  return cfg_.packet_budget > head + 64 ? cfg_.packet_budget - head : 64;
}

void Engine::tree_round(Clock now, Outbox& out) {
  const bool on = tree_on() && !leaving_;
  if (!on && store_.tree_lane()) {
    // Off now (a live member that does not speak it, fewer than tree_min_members live, or we
    // leave): what we hold goes back to the epidemic.
    tree_collect({});
    for (const auto& p : tree_.pending) store_.refresh(p.fresh.key);
    store_.set_tree_lane(false);
    tree_ = BroadcastTree{};
  }
  if (!on) return;
  store_.set_tree_lane(true);
  tree_keep_links(now);
  tree_collect({});
  tree_flush(out);
  tree_graft_missing(now, out);
}

void Engine::tree_keep_links(Clock now) {
  const std::size_t want = static_cast<std::size_t>(cfg_.gossip_nodes) + 1;
  if (tree_.links_checked_at == member_changes_ && tree_.links.size() >= want) return;
  tree_.links_checked_at = member_changes_;
  std::erase_if(tree_.links, [&](const auto& link) {
    const std::uint32_t i = find_slot(link.first);
    return i == kNoSlot || !is_live(slots_[i].state());
  });
  if (tree_.links.size() >= want) return;
  // New links start eager up to kEagerLinks, lazy after: random 2-out graphs are connected, and
  // lazy links announce what we push from the start, so a push lost before the tree has
  // formed is grafted rather than left to push-pull.
  std::size_t eager = tree_.eager_count();
  for (std::uint32_t i : pick_random(want - tree_.links.size(), kNoSlot, now.mono, false)) {
    const std::string& name = name_of(slots_[i]);
    if (tree_.links.count(name)) continue;
    tree_link(name, eager < BroadcastTree::kEagerLinks);
    ++eager;
  }
}

bool Engine::tree_link(const std::string& name, bool eager) {
  const auto it = tree_.links.find(name);
  if (it != tree_.links.end()) {
    it->second = eager;
    return true;
  }
  if (tree_.links.size() >= BroadcastTree::kMaxLinks) return false;
  tree_.links.emplace(name, eager);
  return true;
}

void Engine::tree_collect(const std::string& source) {
  for (Store::Fresh& f : store_.take_fresh())
    tree_.pending.push_back(BroadcastTree::Pending{std::move(f), source});
}

void Engine::tree_send(const std::string& to, const wire::Tree& m, Outbox& out) {
  const std::uint32_t i = find_slot(to);
  if (i == kNoSlot) return;
  switch (m.kind) {
    case wire::TreeKind::push: ++stats_.tree_pushes_out; break;
    case wire::TreeKind::ihave: ++stats_.tree_ihaves_out; break;
    case wire::TreeKind::graft: ++stats_.tree_grafts_out; break;
    case wire::TreeKind::prune: ++stats_.tree_prunes_out; break;
  }
  send_raw(addr_of(slots_[i]), Channel::udp, wire::encode(m), out);
}

// Each pending value goes whole to every eager link and as an id to every lazy one, except
// the link it came from; the ids of the last flush go to the lazy links once more.
void Engine::tree_flush(Outbox& out) {
  if (tree_.pending.empty() && tree_.recent.empty()) return;
  for (const auto& link : tree_.links) tree_flush_link(link.first, link.second, out);
  for (auto& p : tree_.pending) p.fresh.encoded = Bytes{};  // ids are all `recent` needs
  tree_.recent = std::move(tree_.pending);
  tree_.pending.clear();
}

// What tree_flush sends one link, in as many datagrams as it takes.
void Engine::tree_flush_link(const std::string& name, bool eager, Outbox& out) {
  const std::size_t room = tree_room();
  wire::Tree m{eager ? wire::TreeKind::push : wire::TreeKind::ihave, self_.name, {}, {}};
  std::vector<const Bytes*> batch;
  std::size_t used = 0;
  auto send = [&] {
    if (!batch.empty()) m.batch = Store::batch_of(batch);
    if (!batch.empty() || !m.ids.empty()) tree_send(name, m, out);
    batch.clear();
    m.ids.clear();
    used = 0;
  };
  auto add = [&](const BroadcastTree::Pending& p) {
    if (p.source == name) return;
    const std::size_t size = eager ? p.fresh.encoded.size() : p.fresh.key.size() + kIdOverhead;
    if (used > 0 && used + size > room) send();
    used += size;
    if (eager) batch.push_back(&p.fresh.encoded);
    else m.ids.push_back(wire::TreeId{p.fresh.key, p.fresh.hlc});
  };
  for (const auto& p : tree_.pending) add(p);
  if (!eager)
    for (const auto& p : tree_.recent) add(p);
  send();
}

// Values announced to us that the tree has not brought by their deadline: ask the next
// announcer for them, which makes that link eager.
void Engine::tree_graft_missing(Clock now, Outbox& out) {
  std::map<std::string, std::vector<wire::TreeId>> grafts;
  for (auto it = tree_.missing.begin(); it != tree_.missing.end();) {
    BroadcastTree::Missing& m = it->second;
    if (store_.held_hlc(it->first) >= m.hlc ||
        (m.deadline <= now.mono && m.grafts >= BroadcastTree::kMaxGrafts)) {
      it = tree_.missing.erase(it);  // arrived, or asked often enough: push-pull repairs it
      continue;
    }
    if (m.deadline <= now.mono) {
      const std::size_t next = static_cast<std::size_t>(m.grafts) % m.announcers.size();
      grafts[m.announcers[next]].push_back(wire::TreeId{it->first, m.hlc});
      ++m.grafts;
      m.deadline = now.mono + cfg_.graft_timeout;
    }
    ++it;
  }
  const std::size_t room = tree_room();
  for (auto& [name, ids] : grafts) {
    tree_link(name, true);
    wire::Tree m{wire::TreeKind::graft, self_.name, {}, {}};
    std::size_t used = 0;
    for (auto& id : ids) {
      const std::size_t size = id.key.size() + kIdOverhead;
      if (used > 0 && used + size > room) {
        tree_send(name, m, out);
        m.ids.clear();
        used = 0;
      }
      used += size;
      m.ids.push_back(std::move(id));
    }
    tree_send(name, m, out);
  }
}

void Engine::tree_note_missing(Clock now, const wire::TreeIdView& id, const std::string& from) {
  if (store_.held_hlc(id.key) >= id.hlc) return;  // the common case: we have it
  auto it = tree_.missing.find(id.key);
  if (it == tree_.missing.end()) {
    // Only a per-peer key of a member can be missing: the table is bounded by the membership.
    const auto owner = per_peer_owner(id.key);
    if (!owner || find_slot(*owner) == kNoSlot) return;
    if (tree_.missing.size() >= 2 * member_count() + 16) return;
    it = tree_.missing.emplace(std::string(id.key), BroadcastTree::Missing{}).first;
    it->second.deadline = now.mono + cfg_.graft_timeout;
  }
  BroadcastTree::Missing& m = it->second;
  if (id.hlc > m.hlc) m.hlc = id.hlc;
  if (m.announcers.size() < BroadcastTree::kMaxAnnouncers &&
      std::find(m.announcers.begin(), m.announcers.end(), from) == m.announcers.end())
    m.announcers.push_back(from);
}

void Engine::tree_answer_graft(const std::string& to, std::span<const wire::TreeIdView> ids,
                               Outbox& out) {
  std::vector<std::string_view> keys;
  keys.reserve(ids.size());
  for (const auto& id : ids)
    if (per_peer_owner(id.key)) keys.push_back(id.key);
  for (Bytes& batch : store_.batches_of(keys, tree_room()))
    tree_send(to, wire::Tree{wire::TreeKind::push, self_.name, {}, std::move(batch)}, out);
}

void Engine::on_tree(Clock now, const wire::TreeView& m, std::span<const wire::TreeIdView> ids,
                     Outbox& out) {
  const std::uint32_t i = find_slot(m.from);
  if (!cfg_.tree_broadcast || i == kNoSlot || i == self_slot_ || !is_live(slots_[i].state())) {
    ++stats_.tree_refused;
    return;
  }
  const std::string from(m.from);
  switch (m.kind) {
    case wire::TreeKind::push: {
      tree_collect({});  // what was pending before this push did not come from `from`
      const auto counts = store_.merge_encoded(now.wall, m.batch);
      if (!counts) {
        ++stats_.state_malformed;
        return;
      }
      ++stats_.state_batches_in;
      stats_.tree_values_in += counts->applied;
      if (store_.tree_lane()) tree_collect(from);
      if (counts->stale <= counts->applied) {
        tree_link(from, true);
      } else if (tree_.eager_count() > 1) {
        // Mostly what we had: a second path. Prune it, unless it is our last eager link.
        const auto it = tree_.links.find(from);
        if (it != tree_.links.end() && it->second) {
          it->second = false;
          tree_send(from, wire::Tree{wire::TreeKind::prune, self_.name, {}, {}}, out);
        }
      }
      return;
    }
    case wire::TreeKind::ihave:
      if (tree_.links.find(from) == tree_.links.end()) tree_link(from, false);
      for (const auto& id : ids) tree_note_missing(now, id, from);
      return;
    case wire::TreeKind::graft:
      tree_link(from, true);
      tree_answer_graft(from, ids, out);
      return;
    case wire::TreeKind::prune:
      if (const auto it = tree_.links.find(from); it != tree_.links.end()) it->second = false;
      return;
  }
}

}  // namespace shoal::gossip
