#include "sim_net.hpp"

#include <sstream>

namespace shoal::gossip::testing {

Config lan(bool lifeguard) {
  Config c = *Config::for_profile("lan");
  c.lifeguard = lifeguard;
  return c;
}

namespace {
sim::LinkModel default_links() {
  sim::LinkModel m;
  m.latency_min = 1 * kMillis;
  m.latency_max = 2 * kMillis;
  return m;
}
}  // namespace

SimNet::SimNet(std::uint64_t seed) : fate_(default_links(), seed), seed_(seed) {}

void SimNet::set_loss(double fraction) {
  sim::LinkModel m = fate_.model();
  m.loss = fraction;
  fate_.set_model(m);
}

void SimNet::set_latency(Micros base, Micros jitter) {
  sim::LinkModel m = fate_.model();
  m.latency_min = base;
  m.latency_max = base + jitter;
  fate_.set_model(m);
}

std::size_t SimNet::add(const std::string& name, const Config& cfg, std::uint64_t incarnation,
                        Meta meta) {
  std::size_t i = nodes_.size();
  Node n;
  n.name = name;
  n.addr = Address{"10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1), 7950};
  Identity id{name, n.addr, incarnation, std::move(meta)};
  n.engine = std::make_unique<Engine>(id, cfg, seed_ * 1000003 + i, interner_);
  by_addr_[n.addr] = i;
  nodes_.push_back(std::move(n));
  fate_.peer_added();
  return i;
}

void SimNet::push(Micros t, Ev ev) { queue_.emplace(std::make_pair(t, seq_++), std::move(ev)); }

void SimNet::at(Micros t, std::function<void()> fn) {
  Ev ev;
  ev.kind = Ev::action;
  ev.fn = std::move(fn);
  push(t, std::move(ev));
}

void SimNet::join_at(Micros t, std::size_t i, std::vector<std::size_t> seeds) {
  at(t, [this, i, seeds] {
    if (!nodes_[i].up) return;
    std::vector<Address> addrs;
    for (auto s : seeds) addrs.push_back(nodes_[s].addr);
    Outbox out;
    nodes_[i].engine->join(clock(), addrs, out);
    flush(i, out);
  });
}

void SimNet::form_at(Micros t) {
  at(t, [this] {
    std::vector<Engine::FormedMember> members;
    for (const auto& n : nodes_) {
      const auto m = n.engine->find_member(n.name);
      members.push_back({interner_->names.acquire(n.name), interner_->cards.acquire(n.addr, m->meta),
                         n.engine->incarnation()});
    }
    const std::vector<Address> seeds{nodes_[0].addr};
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      nodes_[i].engine->start_formed(clock(), members, seeds);
      Outbox out;
      flush(i, out);  // schedules its first tick
    }
    for (const auto& m : members) {
      interner_->names.release(m.name);
      interner_->cards.release(m.card);
    }
  });
}

void SimNet::leave(std::size_t i) {
  Outbox out;
  nodes_[i].engine->leave(clock(), out);
  flush(i, out);
}

void SimNet::crash(std::size_t i) { nodes_[i].up = false; }

void SimNet::restart(std::size_t i, const std::string& name, const Config& cfg,
                     std::uint64_t incarnation, std::vector<std::size_t> seeds,
                     std::optional<Address> addr) {
  Node& n = nodes_[i];
  if (addr && *addr != n.addr) {
    by_addr_.erase(n.addr);
    n.addr = *addr;
    by_addr_[n.addr] = i;
  }
  n.name = name;
  n.engine = std::make_unique<Engine>(Identity{name, n.addr, incarnation, {}}, cfg,
                                      seed_ * 7919 + i + 1000 * (n.generation + 1));
  n.up = true;
  n.frozen_until = 0;
  n.tick_at = kNever;
  ++n.generation;
  std::vector<Address> addrs;
  for (auto s : seeds) addrs.push_back(nodes_[s].addr);
  Outbox out;
  n.engine->join(clock(), addrs, out);
  flush(i, out);
}

void SimNet::inject(std::size_t i, const Address& from, Channel ch, const Bytes& bytes) {
  Outbox out;
  nodes_[i].engine->handle_packet(clock(), from, ch, bytes, out);
  flush(i, out);
}

void SimNet::put(std::size_t i, const std::string& key, Bytes value) {
  nodes_[i].engine->put(clock(), key, std::move(value));
  Outbox out;
  flush(i, out);
}

void SimNet::erase(std::size_t i, const std::string& key) {
  nodes_[i].engine->erase(clock(), key);
  Outbox out;
  flush(i, out);
}

bool SimNet::state_converged() const {
  const Engine* first = nullptr;
  for (const auto& n : nodes_) {
    if (!n.up) continue;
    if (!first) first = n.engine.get();
    else if (n.engine->state().entries() != first->state().entries()) return false;
  }
  return true;
}

bool SimNet::view_hashes_equal() const {
  std::optional<std::uint64_t> h;
  for (const auto& n : nodes_) {
    if (!n.up) continue;
    if (!h) h = n.engine->view_hash();
    else if (*h != n.engine->view_hash()) return false;
  }
  return true;
}

void SimNet::freeze(std::size_t i, Micros until) { nodes_[i].frozen_until = until; }

void SimNet::mix(std::uint64_t v) { mix_bytes(&v, sizeof v); }
void SimNet::mix_bytes(const void* p, std::size_t n) {
  const auto* b = static_cast<const unsigned char*>(p);
  for (std::size_t k = 0; k < n; ++k) {
    hash_ ^= b[k];
    hash_ *= 1099511628211ULL;
  }
}

void SimNet::flush(std::size_t i, Outbox& out) {
  for (auto& d : out.sends) {
    ++datagrams_;
    if (captured_.size() < capture_limit_) captured_.push_back(d.bytes);
    mix(static_cast<std::uint64_t>(now_));
    mix(i);
    mix_bytes(d.to.host.data(), d.to.host.size());
    mix(d.to.port);
    mix(static_cast<std::uint64_t>(d.channel));
    mix_bytes(d.bytes.data(), d.bytes.size());
    auto it = by_addr_.find(d.to);
    if (it == by_addr_.end()) continue;
    const std::size_t j = it->second;
    const sim::Fate fate = fate_.decide(static_cast<std::uint32_t>(i),
                                        static_cast<std::uint32_t>(j), d.channel);
    for (int c = 0; c < fate.copies; ++c) {
      Ev ev;
      ev.kind = Ev::deliver;
      ev.node = j;
      ev.generation = nodes_[j].generation;
      ev.from = nodes_[i].addr;
      ev.channel = d.channel;
      ev.bytes = c + 1 == fate.copies ? std::move(d.bytes) : d.bytes;
      push(now_ + fate.delay[c] + nodes_[j].lag, std::move(ev));
    }
  }
  for (auto& e : out.events) {
    mix(static_cast<std::uint64_t>(now_));
    mix(i);
    mix(static_cast<std::uint64_t>(e.kind));
    mix_bytes(e.name.data(), e.name.size());
    mix(e.incarnation);
    events_.push_back(Recorded{now_, i, std::move(e)});
  }
  out.clear();
  schedule_tick(i);
}

void SimNet::schedule_tick(std::size_t i) {
  Node& n = nodes_[i];
  Micros d = n.engine->next_deadline();
  if (d == kNever) return;
  d = std::max(d, now_);
  if (n.frozen_until > now_) d = std::max(d, n.frozen_until);
  if (d == n.tick_at) return;
  n.tick_at = d;
  Ev ev;
  ev.kind = Ev::tick;
  ev.node = i;
  ev.generation = n.generation;
  push(d, std::move(ev));
}

void SimNet::run_until(Micros t) {
  while (!queue_.empty() && queue_.begin()->first.first <= t) {
    auto node = queue_.extract(queue_.begin());
    now_ = node.key().first;
    Ev& ev = node.mapped();
    if (ev.kind == Ev::action) {
      ev.fn();
      continue;
    }
    Node& n = nodes_[ev.node];
    if (!n.up || ev.generation != n.generation) continue;
    if (n.frozen_until > now_) {  // deferred until the peer runs again, in arrival order
      if (ev.kind == Ev::tick) {
        if (now_ == n.tick_at) {
          n.tick_at = n.frozen_until;
          push(n.frozen_until, std::move(ev));
        }
      } else {
        push(n.frozen_until, std::move(ev));
      }
      continue;
    }
    Outbox out;
    if (ev.kind == Ev::tick) {
      if (now_ != n.tick_at) continue;  // stale
      n.tick_at = kNever;
      ++ticks_;
      n.engine->handle_tick(clock(), out);
    } else {
      n.engine->handle_packet(clock(), ev.from, ev.channel, ev.bytes, out);
    }
    flush(ev.node, out);
  }
  now_ = std::max(now_, t);
}

std::optional<MemberState> SimNet::state_at(std::size_t i, const std::string& name) const {
  const Member* m = nodes_[i].engine->member(name);
  if (!m) return std::nullopt;
  return m->state;
}

bool SimNet::converged() const {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (!nodes_[i].up) continue;
    for (std::size_t j = 0; j < nodes_.size(); ++j) {
      auto s = state_at(i, nodes_[j].name);
      if (nodes_[j].up) {
        if (s != MemberState::alive) return false;
      } else if (s == MemberState::alive || s == MemberState::suspect) {
        return false;
      }
    }
  }
  return true;
}

std::string SimNet::describe(std::size_t i) const {
  std::ostringstream o;
  o << nodes_[i].name << " (health " << nodes_[i].engine->local_health() << "):";
  for (const auto& [name, m] : nodes_[i].engine->members())
    o << " " << name << "=" << to_string(m.state) << "/" << m.incarnation;
  return o.str();
}

}  // namespace shoal::gossip::testing
