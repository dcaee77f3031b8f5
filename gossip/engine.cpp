#include "gossip/engine.hpp"

#include <algorithm>

#include "gossip/suspicion.hpp"
#include "gossip/wire.hpp"

namespace shoal::gossip {

namespace {
bool is_live(MemberState s) { return s == MemberState::alive || s == MemberState::suspect; }
}  // namespace

Engine::Engine(Identity self, Config cfg, std::uint64_t seed)
    : self_(std::move(self)), cfg_(std::move(cfg)), rng_(seed),
      incarnation_(self_.incarnation + 1) {
  Member me{self_.name, self_.addr, incarnation_, MemberState::alive, self_.meta, 0};
  members_.emplace(self_.name, std::move(me));
}

const Member* Engine::member(const std::string& name) const {
  auto it = members_.find(name);
  return it == members_.end() ? nullptr : &it->second;
}

// ---- public entry points ----------------------------------------------------------------------

void Engine::join(Clock now, std::span<const Address> seeds, Outbox& out) {
  seeds_.clear();
  for (const auto& s : seeds)
    if (s != self_.addr && std::find(seeds_.begin(), seeds_.end(), s) == seeds_.end())
      seeds_.push_back(s);
  start_timers(now);
  broadcast_alive_self();
  if (seeds_.empty()) {
    joined_ = true;
    return;
  }
  for (const auto& s : seeds_) push_pull_to(s, true, out);
  next_join_retry_ = now.mono + cfg_.join_retry_interval;
}

void Engine::leave(Clock now, Outbox& out) {
  if (leaving_) return;
  leaving_ = true;
  Member& me = members_.at(self_.name);
  set_state(me, MemberState::left, now.mono);
  wire::Dead d{self_.name, incarnation_, self_.name};
  Bytes part = wire::encode_part(d);
  broadcasts_.push(self_.name, part);
  // Tell a few members at once; the queue keeps gossiping it while the caller ticks.
  auto targets = pick_random(static_cast<std::size_t>(cfg_.gossip_nodes) * 2, self_.name,
                             now.mono, false);
  for (const Member* m : targets) send_udp(m->addr, part, out);
  probe_ = Probe{};
  next_probe_ = kNever;
  next_push_pull_ = kNever;
  next_join_retry_ = next_seed_retry_ = next_reconnect_ = kNever;
}

bool Engine::set_meta(Clock now, const Meta& meta, Outbox& out) {
  (void)now;
  (void)out;
  if (wire::meta_size(meta) > cfg_.max_meta_bytes) return false;
  self_.meta = meta;
  ++incarnation_;
  Member& me = members_.at(self_.name);
  me.meta = meta;
  me.incarnation = incarnation_;
  broadcast_alive_self();
  return true;
}

void Engine::handle_packet(Clock now, const Address& from, Channel channel,
                           std::span<const std::byte> bytes, Outbox& out) {
  ++stats_.packets_in;
  std::vector<wire::Message> msgs;
  if (!wire::decode(bytes, msgs)) {
    ++stats_.packets_malformed;
    return;
  }
  for (const auto& msg : msgs) {
    ++stats_.messages_in;
    std::visit(
        [&](const auto& m) {
          using T = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<T, wire::Ping>) on_ping(now, from, channel, m, out);
          else if constexpr (std::is_same_v<T, wire::IndirectPing>) on_indirect_ping(now, from, m, out);
          else if constexpr (std::is_same_v<T, wire::Ack>) on_ack(now, m, out);
          else if constexpr (std::is_same_v<T, wire::Nack>) on_nack(m);
          else if constexpr (std::is_same_v<T, wire::Alive>) alive_node(now, m, out);
          else if constexpr (std::is_same_v<T, wire::Suspect>) suspect_node(now, m, out);
          else if constexpr (std::is_same_v<T, wire::Dead>) dead_node(now, m, out);
          else if constexpr (std::is_same_v<T, wire::PushPull>) on_push_pull(now, from, m, out);
        },
        msg);
  }
}

Micros Engine::next_deadline() const {
  if (!started_) return kNever;
  Micros d = std::min({next_gossip_, next_push_pull_, next_join_retry_, next_seed_retry_,
                       next_reconnect_});
  // One probe at a time: the next starts when the one in flight has its verdict.
  if (probe_.active) d = std::min(d, probe_.indirect_sent ? probe_.end_deadline
                                                          : probe_.direct_deadline);
  else d = std::min(d, next_probe_);
  for (const auto& [seq, r] : relays_) d = std::min(d, r.deadline);
  for (const auto& [name, s] : suspicions_) d = std::min(d, s.deadline);
  for (const auto& [name, m] : members_)
    if (!is_live(m.state) && name != self_.name)
      d = std::min(d, m.state_change + cfg_.reconnect_timeout);
  return d;
}

void Engine::handle_tick(Clock now, Outbox& out) {
  if (!started_) return;
  const Micros t = now.mono;
  const Micros due = next_deadline();
  if (due != kNever && t - due > cfg_.stall_threshold) handle_stall(now);

  // Suspicion timers: suspect -> dead.
  std::vector<std::string> expired;
  for (const auto& [name, s] : suspicions_)
    if (s.deadline <= t) expired.push_back(name);
  for (const auto& name : expired) {
    auto it = members_.find(name);
    if (it == members_.end() || it->second.state != MemberState::suspect) {
      suspicions_.erase(name);
      continue;
    }
    dead_node(now, wire::Dead{name, it->second.incarnation, self_.name}, out);
  }

  // Relayed indirect pings that got no answer: nack the requester.
  for (auto it = relays_.begin(); it != relays_.end();) {
    if (it->second.deadline <= t) {
      if (it->second.nack) send_udp(it->second.requester, wire::encode_part(wire::Nack{it->second.seq}), out);
      it = relays_.erase(it);
    } else {
      ++it;
    }
  }

  // The probe in flight, then the next one.
  if (probe_.active && !probe_.indirect_sent && t >= probe_.direct_deadline)
    probe_direct_timeout(now, out);
  if (probe_.active && probe_.indirect_sent && t >= probe_.end_deadline) probe_failed(now, out);
  if (!probe_.active && t >= next_probe_) {
    next_probe_ = t + scaled(cfg_.probe_interval);
    start_probe(now, out);
  }

  if (t >= next_gossip_) {
    next_gossip_ = std::max(next_gossip_ + cfg_.gossip_interval, t + 1);
    if (next_gossip_ < t) next_gossip_ = t + cfg_.gossip_interval;
    gossip_round(now, out);
  }

  if (t >= next_push_pull_) {
    next_push_pull_ = t + push_pull_scale(cfg_.push_pull_interval, live_count());
    auto peers = pick_random(1, self_.name, t, false);
    if (!peers.empty()) push_pull_to(peers[0]->addr, false, out);
  }

  if (t >= next_join_retry_) {
    if (joined_) {
      next_join_retry_ = kNever;
    } else {
      next_join_retry_ = t + cfg_.join_retry_interval;
      for (const auto& s : seeds_) push_pull_to(s, true, out);
    }
  }

  if (t >= next_seed_retry_) {
    next_seed_retry_ = t + cfg_.seed_retry_interval;
    std::vector<Address> unseen;
    for (const auto& s : seeds_) {
      bool seen = false;
      for (const auto& [name, m] : members_)
        if (m.addr == s && is_live(m.state)) seen = true;
      if (!seen) unseen.push_back(s);
    }
    if (!unseen.empty()) push_pull_to(unseen[rng_.below(unseen.size())], false, out);
  }

  if (t >= next_reconnect_) {
    next_reconnect_ = t + cfg_.reconnect_interval;
    std::vector<const Member*> dead;
    for (const auto& [name, m] : members_)
      if (m.state == MemberState::dead) dead.push_back(&m);
    if (!dead.empty()) push_pull_to(dead[rng_.below(dead.size())]->addr, false, out);
  }

  forget_expired(now, out);
}

// ---- timers -------------------------------------------------------------------------------------

void Engine::start_timers(Clock now) {
  if (started_) return;
  started_ = true;
  const Micros t = now.mono;
  // Stagger the first probe and gossip so peers started together do not move in lock step.
  next_probe_ = t + rng_.between(0, cfg_.probe_interval - 1);
  next_gossip_ = t + rng_.between(0, cfg_.gossip_interval - 1);
  next_push_pull_ = t + cfg_.push_pull_interval + rng_.between(0, cfg_.push_pull_interval - 1);
  next_seed_retry_ = t + cfg_.seed_retry_interval;
  next_reconnect_ = t + cfg_.reconnect_interval;
}

void Engine::handle_stall(Clock now) {
  ++stats_.stalls;
  if (!cfg_.lifeguard) return;  // plain SWIM acts on its stale timers
  add_health(1);
  // Our clock jumped: what we were waiting for may have arrived while we were stopped. Re-arm
  // every suspicion from now, drop the probe in flight and our relays without a verdict.
  for (auto& [name, s] : suspicions_) {
    s.start = now.mono;
    s.deadline = now.mono + suspicion_timeout(s.min, s.max, s.k,
                                              static_cast<int>(s.confirmations.size()));
  }
  probe_ = Probe{};
  relays_.clear();
  if (next_probe_ != kNever) next_probe_ = now.mono;
}

void Engine::start_probe(Clock now, Outbox& out) {
  if (leaving_) return;
  const Member* target = nullptr;
  for (int pass = 0; pass < 2 && !target; ++pass) {
    while (probe_index_ < probe_order_.size()) {
      auto it = members_.find(probe_order_[probe_index_++]);
      if (it != members_.end() && it->first != self_.name && is_live(it->second.state)) {
        target = &it->second;
        break;
      }
    }
    if (!target) {  // end of the list: rebuild and reshuffle
      probe_order_.clear();
      for (const auto& [name, m] : members_)
        if (name != self_.name && is_live(m.state)) probe_order_.push_back(name);
      rng_.shuffle(probe_order_);
      probe_index_ = 0;
    }
  }
  if (!target) return;
  ++stats_.probes;
  probe_ = Probe{};
  probe_.active = true;
  probe_.seq = next_seq_++;
  probe_.target = target->name;
  probe_.addr = target->addr;
  probe_.start = now.mono;
  probe_.direct_deadline = now.mono + scaled(cfg_.probe_timeout);
  wire::Ping ping{probe_.seq, target->name, self_.name, self_.addr};
  if (cfg_.lifeguard && target->state == MemberState::suspect) {
    // Buddy system: tell the suspect so it can refute at once.
    std::vector<Bytes> parts{wire::encode_part(ping),
                             wire::encode_part(wire::Suspect{target->name, target->incarnation,
                                                             self_.name})};
    std::size_t used = wire::kCompoundHeader + wire::compound_overhead(parts[0].size()) +
                       wire::compound_overhead(parts[1].size());
    auto extra = broadcasts_.take(cfg_.packet_budget - used,
                                  retransmit_limit(cfg_.retransmit_mult, live_count()),
                                  wire::kMaxCompoundParts - 2);
    for (auto& e : extra) parts.push_back(std::move(e));
    send_raw(target->addr, Channel::udp, wire::encode_compound(parts), out);
  } else {
    send_udp(target->addr, wire::encode_part(ping), out);
  }
}

void Engine::probe_direct_timeout(Clock now, Outbox& out) {
  probe_.indirect_sent = true;
  auto relays = pick_random(static_cast<std::size_t>(cfg_.indirect_checks), probe_.target,
                            now.mono, false);
  for (const Member* r : relays) {
    wire::IndirectPing ip{probe_.seq, probe_.target, probe_.addr, cfg_.lifeguard, self_.name};
    send_udp(r->addr, wire::encode_part(ip), out);
  }
  probe_.expected_nacks = cfg_.lifeguard ? static_cast<int>(relays.size()) : 0;
  if (cfg_.stream_ping) {
    wire::Ping ping{probe_.seq, probe_.target, self_.name, self_.addr};
    send_raw(probe_.addr, Channel::stream, wire::encode(ping), out);
  }
  // Wait to the end of the probe interval, and long enough for relays' nacks to come back.
  probe_.end_deadline = std::max(probe_.start + scaled(cfg_.probe_interval),
                                 now.mono + cfg_.probe_timeout + cfg_.probe_timeout / 2);
}

void Engine::probe_failed(Clock now, Outbox& out) {
  Probe p = probe_;
  probe_ = Probe{};
  ++stats_.probes_failed;
  if (cfg_.lifeguard) {
    // Missed nacks mean our own links (or we) are the likely problem.
    if (p.expected_nacks > 0) add_health(std::max(0, p.expected_nacks - p.nacks));
    else add_health(1);
  }
  auto it = members_.find(p.target);
  if (it == members_.end() || !is_live(it->second.state) || it->second.addr != p.addr) return;
  ++stats_.suspicions_raised;
  suspect_node(now, wire::Suspect{p.target, it->second.incarnation, self_.name}, out);
  if (next_probe_ < now.mono) next_probe_ = now.mono;
}

void Engine::gossip_round(Clock now, Outbox& out) {
  if (broadcasts_.size() == 0) return;
  auto targets = pick_random(static_cast<std::size_t>(cfg_.gossip_nodes), self_.name, now.mono,
                             true);
  const int limit = retransmit_limit(cfg_.retransmit_mult, live_count());
  for (const Member* m : targets) {
    auto parts = broadcasts_.take(cfg_.packet_budget - wire::kCompoundHeader, limit,
                                  wire::kMaxCompoundParts);
    if (parts.empty()) break;
    if (parts.size() == 1) {
      Bytes b;
      b.reserve(parts[0].size() + 1);
      b.push_back(std::byte{wire::kProtocolVersion});
      b.insert(b.end(), parts[0].begin(), parts[0].end());
      send_raw(m->addr, Channel::udp, std::move(b), out);
    } else {
      send_raw(m->addr, Channel::udp, wire::encode_compound(parts), out);
    }
  }
}

void Engine::push_pull_to(const Address& to, bool join, Outbox& out) {
  send_raw(to, Channel::stream, wire::encode(local_state(join, false)), out);
}

void Engine::forget_expired(Clock now, Outbox& out) {
  for (auto it = members_.begin(); it != members_.end();) {
    const Member& m = it->second;
    if (it->first != self_.name && !is_live(m.state) &&
        now.mono - m.state_change >= cfg_.reconnect_timeout) {
      emit(out, EventKind::member_forgotten, m);
      suspicions_.erase(it->first);
      it = members_.erase(it);
      live_count_dirty_ = true;
    } else {
      ++it;
    }
  }
}

// ---- message handlers ---------------------------------------------------------------------------

void Engine::on_ping(Clock now, const Address& from, Channel ch, const wire::Ping& m,
                     Outbox& out) {
  (void)now;
  if (m.target != self_.name) {
    ++stats_.pings_misdirected;
    return;
  }
  if (ch == Channel::stream) send_raw(from, Channel::stream, wire::encode(wire::Ack{m.seq}), out);
  else send_udp(from, wire::encode_part(wire::Ack{m.seq}), out);
}

void Engine::on_indirect_ping(Clock now, const Address& from, const wire::IndirectPing& m,
                              Outbox& out) {
  if (m.target == self_.name) {  // odd but harmless: answer for ourselves
    send_udp(from, wire::encode_part(wire::Ack{m.seq}), out);
    return;
  }
  std::uint32_t seq = next_seq_++;
  relays_[seq] = Relay{from, m.seq, m.nack, now.mono + cfg_.probe_timeout};
  send_udp(m.target_addr, wire::encode_part(wire::Ping{seq, m.target, self_.name, self_.addr}),
           out);
}

void Engine::on_ack(Clock now, const wire::Ack& m, Outbox& out) {
  (void)now;
  if (probe_.active && m.seq == probe_.seq) {
    if (cfg_.lifeguard && !probe_.indirect_sent) add_health(-1);
    probe_ = Probe{};
    return;
  }
  auto it = relays_.find(m.seq);
  if (it != relays_.end()) {
    send_udp(it->second.requester, wire::encode_part(wire::Ack{it->second.seq}), out);
    relays_.erase(it);
    return;
  }
  ++stats_.acks_stale;
}

void Engine::on_nack(const wire::Nack& m) {
  if (probe_.active && m.seq == probe_.seq) ++probe_.nacks;
}

void Engine::on_push_pull(Clock now, const Address& from, const wire::PushPull& m, Outbox& out) {
  if (!m.reply) send_raw(from, Channel::stream, wire::encode(local_state(false, true)), out);
  for (const auto& r : m.members) {
    switch (r.state) {
      case MemberState::alive: {
        wire::Alive a{r.name, r.addr, r.incarnation, r.meta, wire::meta_size(r.meta)};
        alive_node(now, a, out);
        break;
      }
      case MemberState::suspect:
      case MemberState::dead:
        // As memberlist: a remote death is only a suspicion here, so the member may refute.
        // A suspect we never heard of is taken in (then suspected); an unknown dead one is not.
        if (!members_.count(r.name)) {
          if (r.state == MemberState::dead) break;
          alive_node(now, wire::Alive{r.name, r.addr, r.incarnation, r.meta,
                                      wire::meta_size(r.meta)}, out);
        }
        suspect_node(now, wire::Suspect{r.name, r.incarnation, self_.name}, out);
        break;
      case MemberState::left:
        if (members_.count(r.name))
          dead_node(now, wire::Dead{r.name, r.incarnation, r.name}, out);
        break;
    }
  }
  if (m.reply) {
    ++stats_.push_pulls;
    if (!joined_) {
      joined_ = true;
      next_join_retry_ = kNever;
      // Peers that joined at about the same time may have missed each other's announcements:
      // one early catch-up push-pull instead of waiting a whole push_pull_interval.
      next_push_pull_ = std::min(next_push_pull_,
                                 now.mono + rng_.between(cfg_.probe_interval,
                                                         5 * cfg_.probe_interval));
      Event e;
      e.kind = EventKind::join_succeeded;
      e.addr = from;
      e.incarnation = incarnation_;
      out.events.push_back(std::move(e));
    }
  }
}

void Engine::alive_node(Clock now, const wire::Alive& a, Outbox& out) {
  if (a.meta_bytes > cfg_.max_meta_bytes) {
    ++stats_.meta_too_large;
    return;
  }
  if (a.name == self_.name) {
    if (a.addr != self_.addr) {
      ++stats_.name_conflicts;
      Event e{EventKind::name_conflict, a.name, a.addr, a.incarnation, {}};
      out.events.push_back(std::move(e));
      return;
    }
    if (leaving_) return;
    if (a.incarnation < incarnation_) return;
    if (a.incarnation == incarnation_ && a.meta == self_.meta) return;
    refute(a.incarnation, false, out);  // the cluster holds an older life of ours: jump above it
    return;
  }
  auto it = members_.find(a.name);
  if (it == members_.end()) {
    Member m{a.name, a.addr, a.incarnation, MemberState::alive, a.meta, now.mono};
    auto [ins, ok] = members_.emplace(a.name, std::move(m));
    live_count_dirty_ = true;
    // New members go to a random place in the probe order so they are probed soon.
    std::size_t pos = probe_index_ + rng_.below(probe_order_.size() - probe_index_ + 1);
    probe_order_.insert(probe_order_.begin() + static_cast<std::ptrdiff_t>(pos), a.name);
    broadcasts_.push(a.name, wire::encode_part(a));
    emit(out, EventKind::member_joined, ins->second);
    return;
  }
  Member& m = it->second;
  bool reclaim = false;
  if (m.addr != a.addr) {
    if (is_live(m.state)) {
      ++stats_.name_conflicts;
      Event e{EventKind::name_conflict, a.name, a.addr, a.incarnation, {}};
      out.events.push_back(std::move(e));
      return;
    }
    reclaim = true;  // a dead or departed name may come back from a new address
  }
  if (!reclaim && a.incarnation <= m.incarnation) return;
  const MemberState old = m.state;
  const bool changed = m.meta != a.meta || m.addr != a.addr;
  suspicions_.erase(a.name);
  m.incarnation = a.incarnation;
  m.addr = a.addr;
  m.meta = a.meta;
  set_state(m, MemberState::alive, now.mono);
  broadcasts_.push(a.name, wire::encode_part(a));
  if (old == MemberState::dead || old == MemberState::left) emit(out, EventKind::member_joined, m);
  else if (old == MemberState::suspect) emit(out, EventKind::member_alive, m);
  else if (changed) emit(out, EventKind::member_updated, m);
}

void Engine::suspect_node(Clock now, const wire::Suspect& s, Outbox& out) {
  auto it = members_.find(s.name);
  if (it == members_.end()) return;
  Member& m = it->second;
  if (s.incarnation < m.incarnation || !is_live(m.state)) return;
  if (s.name == self_.name) {
    if (!leaving_) refute(s.incarnation, true, out);
    return;
  }
  if (m.state == MemberState::suspect) {
    auto sit = suspicions_.find(s.name);
    if (sit == suspicions_.end()) return;
    Suspicion& sp = sit->second;
    if (s.from == sp.suspector || sp.confirmations.count(s.from)) return;
    if (static_cast<int>(sp.confirmations.size()) >= sp.k) return;
    sp.confirmations.insert(s.from);
    sp.deadline = sp.start + suspicion_timeout(sp.min, sp.max, sp.k,
                                               static_cast<int>(sp.confirmations.size()));
    broadcasts_.push(s.name, wire::encode_part(s));  // pass the confirmation on
    return;
  }
  m.incarnation = s.incarnation;
  set_state(m, MemberState::suspect, now.mono);
  start_suspicion(now, s.name, s.from);
  broadcasts_.push(s.name, wire::encode_part(s));
  emit(out, EventKind::member_suspect, m, s.from);
}

void Engine::dead_node(Clock now, const wire::Dead& d, Outbox& out) {
  auto it = members_.find(d.name);
  if (it == members_.end()) return;
  Member& m = it->second;
  if (d.incarnation < m.incarnation || !is_live(m.state)) return;
  if (d.name == self_.name) {
    if (!leaving_) refute(d.incarnation, true, out);
    return;
  }
  const bool left = d.from == d.name;
  m.incarnation = d.incarnation;
  suspicions_.erase(d.name);
  set_state(m, left ? MemberState::left : MemberState::dead, now.mono);
  broadcasts_.push(d.name, wire::encode_part(d));
  emit(out, left ? EventKind::member_left : EventKind::member_dead, m, d.from);
}

void Engine::refute(std::uint64_t seen, bool accused, Outbox& out) {
  incarnation_ = std::max(incarnation_, seen) + 1;
  members_.at(self_.name).incarnation = incarnation_;
  broadcast_alive_self();
  if (accused) {
    ++stats_.refutations;
    if (cfg_.lifeguard) add_health(1);  // being suspected hints that we are the slow one
  }
  Event e{EventKind::self_refuted, self_.name, self_.addr, incarnation_, {}};
  out.events.push_back(std::move(e));
}

// ---- helpers ------------------------------------------------------------------------------------

void Engine::start_suspicion(Clock now, const std::string& name, const std::string& from) {
  const std::size_t n = live_count();
  Suspicion s;
  s.suspector = from;
  s.k = suspicion_k(cfg_.suspicion_mult, n);
  s.min = suspicion_min_timeout(cfg_.suspicion_mult, n, cfg_.probe_interval);
  s.max = cfg_.lifeguard ? s.min * cfg_.suspicion_max_mult : s.min;
  s.start = now.mono;
  s.deadline = now.mono + suspicion_timeout(s.min, s.max, s.k, 0);
  suspicions_[name] = std::move(s);
}

void Engine::send_udp(const Address& to, Bytes part, Outbox& out) {
  std::size_t used = wire::kCompoundHeader + wire::compound_overhead(part.size());
  std::vector<Bytes> extra;
  if (used < cfg_.packet_budget)
    extra = broadcasts_.take(cfg_.packet_budget - used,
                             retransmit_limit(cfg_.retransmit_mult, live_count()),
                             wire::kMaxCompoundParts - 1);
  if (extra.empty()) {
    Bytes b;
    b.reserve(part.size() + 1);
    b.push_back(std::byte{wire::kProtocolVersion});
    b.insert(b.end(), part.begin(), part.end());
    send_raw(to, Channel::udp, std::move(b), out);
    return;
  }
  std::vector<Bytes> parts;
  parts.reserve(extra.size() + 1);
  parts.push_back(std::move(part));
  for (auto& e : extra) parts.push_back(std::move(e));
  send_raw(to, Channel::udp, wire::encode_compound(parts), out);
}

void Engine::send_raw(const Address& to, Channel ch, Bytes bytes, Outbox& out) {
  ++stats_.datagrams_out;
  stats_.bytes_out += bytes.size();
  out.sends.push_back(Datagram{to, ch, std::move(bytes)});
}

void Engine::broadcast_alive_self() {
  wire::Alive a{self_.name, self_.addr, incarnation_, self_.meta, 0};
  broadcasts_.push(self_.name, wire::encode_part(a));
}

void Engine::set_state(Member& m, MemberState s, Micros now) {
  if (m.state != s) {
    m.state_change = now;
    live_count_dirty_ = true;
  }
  m.state = s;
}

void Engine::emit(Outbox& out, EventKind k, const Member& m, std::string from) {
  out.events.push_back(Event{k, m.name, m.addr, m.incarnation, std::move(from)});
}

std::size_t Engine::live_count() const {
  if (live_count_dirty_) {
    live_count_ = 0;
    for (const auto& [name, m] : members_) live_count_ += is_live(m.state) ? 1 : 0;
    live_count_dirty_ = false;
  }
  return live_count_;
}

Micros Engine::scaled(Micros t) const { return cfg_.lifeguard ? t * (health_ + 1) : t; }

void Engine::add_health(int delta) {
  health_ = std::clamp(health_ + delta, 0, cfg_.awareness_max - 1);
}

std::vector<const Member*> Engine::pick_random(std::size_t k, const std::string& exclude,
                                               Micros now, bool include_recent_dead) {
  std::vector<const Member*> pool;
  for (const auto& [name, m] : members_) {
    if (name == self_.name || name == exclude) continue;
    if (is_live(m.state) || (include_recent_dead && m.state == MemberState::dead &&
                             now - m.state_change < cfg_.gossip_to_the_dead))
      pool.push_back(&m);
  }
  // Partial Fisher-Yates: the first k of a random permutation.
  std::size_t n = std::min(k, pool.size());
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t j = i + static_cast<std::size_t>(rng_.below(pool.size() - i));
    std::swap(pool[i], pool[j]);
  }
  pool.resize(n);
  return pool;
}

wire::PushPull Engine::local_state(bool join, bool reply) const {
  wire::PushPull p;
  p.join = join;
  p.reply = reply;
  p.members.reserve(members_.size());
  for (const auto& [name, m] : members_)
    p.members.push_back(wire::MemberRecord{m.name, m.addr, m.incarnation, m.state, m.meta});
  return p;
}

}  // namespace shoal::gossip
