#include "sim/world.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gossip/config.hpp"
#include "gossip/engine.hpp"
#include "gossip/rng.hpp"
#include "node/peer/auto_revert.hpp"
#include "node/peer/spec_history.hpp"
#include "node/peer/state_codec.hpp"
#include "placement/spec_hash.hpp"
#include "sim/checker.hpp"
#include "sim/event_queue.hpp"
#include "sim/fake_runtime.hpp"
#include "sim/faults.hpp"
#include "sim/network.hpp"
#include "sim/reconcile_loop.hpp"
#include "sim/report.hpp"
#include "sim/sim_peer.hpp"

namespace shoal::sim {

namespace {

using gossip::Address;
using gossip::kMillis;
using gossip::kNever;
using gossip::kSeconds;

// The run: owns the peers (their engines' lives: start, crash, freeze, resume, ticks and
// packets) and the parts around them, each told what happens and none calling back:
//   EventQueue (the clock), Network (packets), Faults (what happens when), FakeRuntime
//   (containers), ReconcileLoop (each peer's reconcile), Checker (invariants and measures),
//   and run_report (R.json). Every event kind has one handler here.
class World final : private FaultTarget {
 public:
  World(const Experiment& x, const RunOptions& opt)
      : x_(x),
        opt_(opt),
        seeds_(x.seed),
        network_(x, seeds_.net, queue_, peers_),
        cfg_(gossip_config(x)),
        checker_(x, cfg_, queue_, peers_, network_),
        clock_rng_(seeds_.clock),
        join_rng_(seeds_.join),
        workload_rng_(seeds_.workload),
        runtime_(x, queue_, workload_rng_),
        recon_(x, opt_, queue_, peers_, runtime_, checker_),
        faults_(x, seeds_.fault, queue_, peers_, network_, *this) {}

  RunResult run();

 private:
  // --- the run: setup, one handler per event kind ---
  void schedule_start();
  void dispatch(Ev& ev);
  void on_specs();
  void on_probe_write();
  void on_sample();
  void progress_line();
  RunResult result(double wall);

  // --- peers ---
  gossip::Clock clock(const SimPeer& p) const { return sim::clock(p, now()); }
  std::uint32_t add_peer(const ExperimentNode& n);
  void start_peer(std::uint32_t i, bool fresh_engine);
  std::vector<Address> pick_seeds(std::uint32_t self, bool all_up = false);
  void prepare_peer(std::uint32_t i, bool fresh_engine);  // engine and runtime state, not joined
  void start_formed();  // every peer up at once, a formed cluster (`start = "formed"`)
  void flush(std::uint32_t i, gossip::Outbox& out);
  void reschedule(std::uint32_t i, bool after_tick = false);
  void on_deliver(Ev& ev);
  void on_tick(std::uint32_t i);

  // --- the reconcile loop ---
  bool has_services() const { return !x_.services.empty(); }
  void on_reconcile(std::uint32_t i, bool periodic);
  void announce_ready(std::uint32_t i);

  // --- what faults do to peers ---
  void crash(std::uint32_t i, bool restart) override;
  void freeze(const std::vector<std::uint32_t>& peers, Micros until) override;
  void resume(std::uint32_t i) override;
  void join(const ExperimentNode& n) override;
  void restart(std::uint32_t i, bool keep_disk) override;
  void update_spec(const std::string& service, bool broken) override;

  // --- engine output: what the world, the reconcile loop and the checker learn from it ---
  void on_engine_event(std::uint32_t i, const gossip::Event& e);
  void on_state_changed(std::uint32_t i, const std::string& key);

  // --- the workload: the desired state, probe writes ---
  void write_specs();
  void write_probe();

  void fail(const std::string& what) { checker_.fail(what); }

  static gossip::Config gossip_config(const Experiment& x) {
    gossip::Config c = x.gossip;
    c.lifeguard = x.lifeguard;
    return c;
  }
  // One seed split into one per concern, in this order.
  struct Seeds {
    std::uint64_t net, fault, engine, clock, join, workload;
    explicit Seeds(std::uint64_t s)
        : net(gossip::splitmix64(s)), fault(gossip::splitmix64(s)), engine(gossip::splitmix64(s)),
          clock(gossip::splitmix64(s)), join(gossip::splitmix64(s)), workload(gossip::splitmix64(s)) {}
  };

  const Experiment& x_;
  RunOptions opt_;
  Seeds seeds_;
  EventQueue queue_;
  Peers peers_;
  Network network_;
  gossip::Config cfg_;
  Checker checker_;
  gossip::Rng clock_rng_, join_rng_, workload_rng_;
  FakeRuntime runtime_;
  ReconcileLoop recon_;
  Faults faults_;
  // One table of names, addresses, metadata and broadcast parts shared by every engine.
  std::shared_ptr<gossip::Interner> interner_ = std::make_shared<gossip::Interner>();

  Micros now() const { return queue_.now(); }
  std::uint64_t events_ = 0;
  std::chrono::steady_clock::time_point last_progress_;
  std::uint64_t events_at_progress_ = 0;
  gossip::Outbox outbox_;  // for deliveries and ticks (flush empties it; nothing nests)

  // the workload
  std::vector<config::ServiceSpec> specs_;          // written at specs_at (the desired state)
  std::vector<config::ServiceSpec> pending_specs_;  // before specs_at
  std::uint64_t probe_writes_ = 0;
  std::string spec_writer_;
};

// ---- peers --------------------------------------------------------------------------------------

std::uint32_t World::add_peer(const ExperimentNode& n) {
  const auto i = static_cast<std::uint32_t>(peers_.size());
  SimPeer p;
  p.name = n.name;
  p.addr = Address{"10." + std::to_string((i >> 16) & 255) + "." + std::to_string((i >> 8) & 255) +
                       "." + std::to_string(i & 255),
                   7950};
  p.meta.zone = n.zone;
  p.meta.cpu_milli = n.cpu_milli;
  p.meta.memory_mib = n.memory_mib;
  p.meta.tree_broadcast = x_.gossip.tree_broadcast;  // as the engine says of itself
  p.meta.ready = true;
  if (x_.clock_skew > 0) p.skew = clock_rng_.between(-x_.clock_skew, x_.clock_skew);
  const std::string name = p.name;
  if (!peers_.add(std::move(p))) fail("duplicate peer name " + name);
  network_.peer_added();
  return i;
}

std::vector<Address> World::pick_seeds(std::uint32_t self, bool all_up) {
  // Up to three peers that are up and joined: the first peer if it is, plus random others.
  // With all_up (every peer is) the pool is every other peer, not built: the same choice.
  std::vector<Address> seeds;
  std::vector<std::uint32_t> pool;
  if (!all_up)
    for (std::uint32_t j = 0; j < peers_.size(); ++j)
      if (j != self && peers_[j].up && peers_[j].started) pool.push_back(j);
  const std::size_t size = all_up ? peers_.size() - 1 : pool.size();
  auto at = [&](std::size_t k) {
    if (!all_up) return pool[k];
    return static_cast<std::uint32_t>(k < self ? k : k + 1);
  };
  if (size == 0) return seeds;
  if (at(0) == 0) seeds.push_back(peers_[0].addr);
  for (int k = 0; k < 3 && seeds.size() < 3; ++k) {
    const Address& a = peers_[at(join_rng_.below(size))].addr;
    if (std::find(seeds.begin(), seeds.end(), a) == seeds.end()) seeds.push_back(a);
  }
  return seeds;
}

void World::start_peer(std::uint32_t i, bool fresh_engine) {
  // With join_grace set, as node/'s agent: `ready` once synced and up that long (only placement
  // reads it: a membership-only run keeps every peer ready and spares the metadata update).
  peers_[i].meta.ready = !has_services() || !x_.join_grace;
  prepare_peer(i, fresh_engine);
  gossip::Outbox out;
  const auto seeds = pick_seeds(i);
  peers_[i].peer->engine().join(clock(peers_[i]), seeds, out);
  flush(i, out);
  reschedule(i);
}

void World::start_formed() {
  // Every peer's name and card, interned once; each engine adopts all of them (not itself).
  std::vector<gossip::Engine::FormedMember> members;
  members.reserve(peers_.size());
  for (std::uint32_t i = 0; i < peers_.size(); ++i) {
    peers_[i].meta.ready = true;  // a running cluster: every peer has long been ready
    prepare_peer(i, true);
  }
  for (const SimPeer& p : peers_)
    members.push_back({interner_->names.acquire(p.name), interner_->cards.acquire(p.addr, p.meta),
                       p.peer->engine().incarnation()});
  for (std::uint32_t i = 0; i < peers_.size(); ++i) {
    SimPeer& p = peers_[i];
    const auto seeds = pick_seeds(i, true);
    p.peer->engine().start_formed(clock(p), members, seeds);
    p.live_seen = static_cast<long>(peers_.size());
    reschedule(i);
  }
  for (const auto& m : members) {  // the engines hold their own references now
    interner_->names.release(m.name);
    interner_->cards.release(m.card);
  }
}

void World::prepare_peer(std::uint32_t i, bool fresh_engine) {
  SimPeer& p = peers_[i];
  if (fresh_engine || !p.peer) {
    gossip::Identity id{p.name, p.addr, p.incarnation, p.meta};
    std::uint64_t s = seeds_.engine ^ (std::uint64_t{i} << 20) ^ p.gen;
    // Timing as the agent's: join_grace from the experiment, solo_after the peer file's default.
    const node::PeerTiming timing{x_.join_grace.value_or(0),
                                  config::PeerConfig::Reconcile{}.solo_after * gossip::kMillis};
    p.peer = std::make_unique<node::Peer>(id, cfg_, gossip::splitmix64(s), now(), timing,
                                          interner_);
  }
  p.up = true;
  p.frozen = false;
  p.started = true;
  p.started_at = now();
  p.live_seen = 1;
  p.hash_dirty = true;
  p.tick_at = kNever;
  if (has_services()) recon_.start(i);
}

void World::crash(std::uint32_t i, bool restart) {
  SimPeer& p = peers_[i];
  if (!p.up) return;
  p.incarnation = p.peer->engine().incarnation();
  if (has_services()) runtime_.peer_crashed(p);
  p.up = false;
  p.frozen = false;
  p.ever_crashed = true;
  network_.drop_buffered(i);
  ++p.gen;
  p.peer.reset();
  p.tick_at = kNever;
  checker_.peer_crashed(i, restart);
}

void World::resume(std::uint32_t i) {
  SimPeer& p = peers_[i];
  if (!p.up || !p.frozen) return;
  p.frozen = false;
  if (has_services()) recon_.wake(i, now());
  // Timers first (the tick arrives late, so Lifeguard sees the stall), then the buffered input.
  on_tick(i);
  auto buf = network_.take_buffered(i);
  for (auto& b : buf) {
    if (!p.up || p.frozen) break;
    gossip::Outbox out;
    p.peer->engine().handle_packet(clock(p), peers_[b.from].addr, b.channel, b.bytes, out);
    flush(i, out);
  }
  reschedule(i);
}

void World::flush(std::uint32_t i, gossip::Outbox& out) {
  network_.send(i, out.sends);
  for (const auto& e : out.events) {
    if (peers_[i].peer) peers_[i].peer->observe(e);
    on_engine_event(i, e);
  }
  out.clear();
  checker_.after_flush();
}

void World::reschedule(std::uint32_t i, bool after_tick) {
  SimPeer& p = peers_[i];
  if (!p.up || p.frozen || !p.peer) return;
  Micros d = p.peer->engine().next_deadline();
  if (d == kNever) {
    p.tick_at = kNever;
    return;
  }
  // After a tick, never spin on a deadline the engine did not move past now.
  d = std::max(d, after_tick ? now() + 1 : now());
  if (d == p.tick_at) return;
  p.tick_at = d;
  Ev e;
  e.time = d;
  e.kind = Ev::tick;
  e.peer = i;
  e.gen = p.gen;
  queue_.push(std::move(e));
}

void World::on_deliver(Ev& ev) {
  if (!network_.arrive(ev)) return;
  SimPeer& p = peers_[ev.peer];
  gossip::Outbox& out = outbox_;  // reused: its vectors keep their capacity
  p.peer->engine().handle_packet(clock(p), peers_[ev.from].addr, ev.channel, ev.bytes, out);
  // The deadline is asked again only when the packet had an effect the caller can see (sends
  // or events: new relays, probes, suspicions). A deadline
  // moved earlier silently (a suspicion confirmed by another peer) fires at the tick already
  // scheduled, at most one gossip_interval late, since the gossip timer is always armed.
  const bool effect = !out.sends.empty() || !out.events.empty();
  flush(ev.peer, out);
  if (effect) reschedule(ev.peer);
}

void World::on_tick(std::uint32_t i) {
  SimPeer& p = peers_[i];
  if (!p.up || p.frozen || !p.peer) return;
  p.tick_at = kNever;
  gossip::Outbox& out = outbox_;
  p.peer->engine().handle_tick(clock(p), out);
  flush(i, out);
  reschedule(i, true);
}


// ---- the reconcile loop --------------------------------------------------------------------------

void World::on_reconcile(std::uint32_t i, bool periodic) {
  recon_.next_round(i, periodic);
  const SimPeer& p = peers_[i];
  if (!p.up || p.frozen || !p.peer || !p.reconciler) return;
  if (recon_.ready_due(i, periodic)) announce_ready(i);
  recon_.step(i);
}

void World::announce_ready(std::uint32_t i) {
  // Synced and up for join_grace: `ready` in its metadata, as the agent announces it.
  SimPeer& p = peers_[i];
  gossip::Outbox out;
  if (!p.peer->announce_ready(clock(p), out)) return;
  p.meta.ready = true;
  checker_.peer_ready(static_cast<double>(now() - p.started_at) / 1e6);
  flush(i, out);
  reschedule(i);
  p.hash_dirty = true;
}

// ---- what faults do to peers (crash and resume above) ---------------------------------------------

void World::freeze(const std::vector<std::uint32_t>& peers, Micros until) {
  for (auto i : peers) {
    peers_[i].frozen = true;
    peers_[i].ever_frozen = true;
    peers_[i].tick_at = kNever;
    checker_.peer_stopped(i, until);
    if (has_services()) runtime_.peer_stopped(peers_[i], until);
  }
  checker_.sweep_writes();
}

void World::join(const ExperimentNode& n) { start_peer(add_peer(n), true); }

void World::restart(std::uint32_t i, bool keep_disk) {
  if (!keep_disk) peers_[i].incarnation = 0;
  ++peers_[i].gen;
  start_peer(i, true);
}

void World::update_spec(const std::string& service, bool broken) {
  // A new version: the spec writer (or the first live, joined peer) writes it with env VERSION
  // bumped, which changes the spec hash and so replaces every instance.
  auto sp = std::find_if(specs_.begin(), specs_.end(),
                         [&](const config::ServiceSpec& s) { return s.name == service; });
  if (sp == specs_.end()) {
    fail("update of " + service + " before its spec was written (specs_at)");
    return;
  }
  const auto v = sp->env.count("VERSION") ? std::stoi(sp->env["VERSION"]) : 1;
  sp->env["VERSION"] = std::to_string(v + 1);
  std::optional<std::uint32_t> w = peers_.named(spec_writer_);
  if (!w || !live(peers_[*w]) || !peers_[*w].peer->engine().joined()) {
    w.reset();
    for (std::uint32_t j = 0; j < peers_.size() && !w; ++j)
      if (live(peers_[j]) && peers_[j].peer->engine().joined()) w = j;
  }
  if (!w) {
    fail("no live peer to write the update of " + service);
    return;
  }
  SimPeer& p = peers_[*w];
  const std::string key = "spec/" + sp->name;
  // As an agent publishing a new version: the value records the one it replaces.
  const std::string value =
      node::spec_value(node::encode_spec(*sp),
                       node::current_value(p.peer->engine().state().find(key), recon_.outcome(*w, sp->name)),
                       clock(p).wall / 1000, p.name);
  checker_.track_write(key, p.peer->engine().put(clock(p), key, gossip::string_to_bytes(value)));
  runtime_.begin_rollout(peers_, service, placement::spec_hash(*sp),
                         static_cast<std::size_t>(sp->replicas), sp->update ? sp->update->parallelism : 1,
                         broken);
}

// ---- engine output --------------------------------------------------------------------------------

void World::on_engine_event(std::uint32_t i, const gossip::Event& e) {
  using gossip::EventKind;
  SimPeer& p = peers_[i];
  switch (e.kind) {
    case EventKind::member_joined: ++p.live_seen; break;
    case EventKind::member_dead:
    case EventKind::member_left: --p.live_seen; break;
    default: break;
  }
  if (e.kind == EventKind::state_changed) {
    on_state_changed(i, e.name);
    return;
  }
  if (e.kind != EventKind::self_refuted && e.kind != EventKind::join_succeeded) p.hash_dirty = true;
  // A death or departure may move instances: reconcile soon. Other changes (joins, metadata,
  // suspicion, statuses) wait for the peer's periodic loop, so a burst of joins costs one
  // placement per peer per second at most.
  if (p.reconciler && (e.kind == EventKind::member_dead || e.kind == EventKind::member_left ||
                       e.kind == EventKind::join_succeeded))  // ... or the sync gate may open
    recon_.wake(i, now() + 10 * kMillis);
  checker_.member_event(i, e);
}

void World::on_state_changed(std::uint32_t i, const std::string& key) {
  SimPeer& p = peers_[i];
  if (key.starts_with("spec/") || key.starts_with(node::kDeployPrefix)) {
    p.hash_dirty = true;
    if (p.reconciler) recon_.wake(i, now() + 10 * kMillis);  // new desired state: act on it soon
  } else if (key.starts_with(gossip::kStatusPrefix)) {
    recon_.status_changed(p, key);
  }
  checker_.write_seen(i, key);
}

// ---- the workload --------------------------------------------------------------------------------

void World::write_specs() {
  // One live, joined peer writes every service as spec/<name> (node/'s encoding), as a peer
  // publishing its services directory does; the others learn them by gossip.
  specs_ = std::move(pending_specs_);
  std::size_t desired = 0;
  for (const auto& sp : specs_) desired += static_cast<std::size_t>(sp.replicas);
  runtime_.set_desired(desired);
  if (specs_.empty()) {
    write_probe();
    return;
  }
  std::vector<std::uint32_t> pool;
  for (std::uint32_t j = 0; j < peers_.size(); ++j)
    if (live(peers_[j]) && peers_[j].peer->engine().joined()) pool.push_back(j);
  if (pool.empty())
    for (std::uint32_t j = 0; j < peers_.size(); ++j)
      if (live(peers_[j])) pool.push_back(j);
  if (pool.empty()) {
    fail("no live peer to write the specs");
    return;
  }
  const std::uint32_t w = pool[workload_rng_.below(pool.size())];
  SimPeer& p = peers_[w];
  for (const auto& sp : specs_) {
    const std::string key = "spec/" + sp.name;
    const std::string value = node::spec_value(
        node::encode_spec(sp), node::current_value(p.peer->engine().state().find(key), ""),
        clock(p).wall / 1000, p.name);
    checker_.track_write(key, p.peer->engine().put(clock(p), key, gossip::string_to_bytes(value)));
  }
  spec_writer_ = p.name;
}

void World::write_probe() {
  std::vector<std::uint32_t> pool;
  for (std::uint32_t j = 0; j < peers_.size(); ++j)
    if (live(peers_[j]) && peers_[j].peer->engine().joined()) pool.push_back(j);
  if (pool.empty()) return;
  SimPeer& p = peers_[pool[workload_rng_.below(pool.size())]];
  const std::string key = "sim/probe/" + std::to_string(probe_writes_++);
  checker_.track_write(key, p.peer->engine().put(clock(p), key, gossip::string_to_bytes(p.name)));
}

// ---- the run ------------------------------------------------------------------------------------

void World::schedule_start() {
  const std::size_t n0 = x_.nodes.size();
  // The desired state is written at specs_at (a membership-only run writes one small key then,
  // so dissemination is always measured).
  queue_.push_at(x_.specs_at.value_or(x_.join_spread + 10 * kSeconds), Ev::specs);
  for (const auto& sv : x_.services) {
    config::ServiceSpec spec;
    spec.name = sv.name;
    spec.command = {"sim-instance"};
    spec.replicas = sv.replicas;
    spec.resources.cpu_milli = sv.cpu_milli;
    spec.resources.memory_mib = sv.memory_mib;
    spec.placement.spread = sv.spread;
    spec.placement.max_per_peer = sv.max_per_peer;
    spec.update = sv.update;
    pending_specs_.push_back(std::move(spec));
  }
  std::sort(pending_specs_.begin(), pending_specs_.end(),
            [](const config::ServiceSpec& a, const config::ServiceSpec& b) { return a.name < b.name; });
  peers_.reserve(n0);
  for (const auto& n : x_.nodes) add_peer(n);
  // Initial joins, spread evenly over join_spread: peer 0 first, alone. Or a formed cluster.
  if (x_.start_formed) start_formed();
  for (std::uint32_t i = 0; i < n0 && !x_.start_formed; ++i) {
    Micros t = n0 > 1 ? x_.join_spread * static_cast<Micros>(i) / static_cast<Micros>(n0) : 0;
    queue_.push_at(t, Ev::initial_join, i);
  }
  // Convergence is measured from the end of the last fault, and never before the last initial
  // join (otherwise a join storm "converges" at once, while peer 0 is alone).
  Micros last_event_end = faults_.schedule();
  if (!x_.start_formed && n0 > 1) last_event_end = std::max(last_event_end, x_.join_spread);
  for (Micros t = x_.sample; t <= x_.duration; t += x_.sample) queue_.push_at(t, Ev::sample);
  checker_.start_convergence(last_event_end);
}

void World::dispatch(Ev& ev) {
  // Events of a peer's earlier life (before a crash) are stale: `gen` tells.
  const auto current = [&] { return ev.gen == peers_[ev.peer].gen; };
  switch (ev.kind) {
    case Ev::deliver: on_deliver(ev); break;
    case Ev::tick:
      if (current() && ev.time == peers_[ev.peer].tick_at) on_tick(ev.peer);
      break;
    case Ev::reconcile:
      if (current()) on_reconcile(ev.peer, ev.arg == 1);
      break;
    case Ev::instance_up:
      if (current() && runtime_.started(peers_[ev.peer], ev.peer, ev.arg)) recon_.local_changed(ev.peer);
      break;
    case Ev::instance_crash:
      if (current() && runtime_.exited(peers_[ev.peer], ev.arg)) recon_.local_changed(ev.peer);
      break;
    case Ev::initial_join: start_peer(ev.peer, true); break;
    case Ev::fault_begin: faults_.begin(ev.arg); break;
    case Ev::fault_end: faults_.end(ev.arg); break;
    case Ev::restart_down: faults_.restart_down(ev.arg, ev.peer); break;
    case Ev::restart_up: faults_.restart_up(ev.arg, ev.peer); break;
    case Ev::specs: on_specs(); break;
    case Ev::probe_write: on_probe_write(); break;
    case Ev::sample: on_sample(); break;
    case Ev::converge_check: checker_.converge_check(); break;
  }
}

void World::on_specs() {
  write_specs();
  if (opt_.probe_writes_every > 0)
    queue_.push_at(std::max(now() + opt_.probe_writes_every, opt_.probe_writes_from), Ev::probe_write);
}

void World::on_probe_write() {
  write_probe();
  queue_.push_at(now() + opt_.probe_writes_every, Ev::probe_write);
}

void World::on_sample() {
  std::optional<InstanceCounts> counts;
  if (has_services()) counts = InstanceCounts{runtime_.desired(), runtime_.running(), runtime_.duplicated()};
  checker_.sample(network_.udp_msgs(), counts);
}

void World::progress_line() {
  const auto t = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(t - last_progress_).count();
  if (since < 2.0) return;
  std::fprintf(stderr, "shoal-sim: %s: virtual %.1f s of %.0f s, %.0f events/s\n",
               x_.name.c_str(), static_cast<double>(now()) / 1e6,
               static_cast<double>(x_.duration) / 1e6,
               static_cast<double>(events_ - events_at_progress_) / since);
  last_progress_ = t;
  events_at_progress_ = events_;
}

RunResult World::run() {
  const auto wall0 = std::chrono::steady_clock::now();
  last_progress_ = wall0;
  schedule_start();
  while (!queue_.empty() && checker_.failure().empty()) {
    if (queue_.next_time() > x_.duration) break;
    Ev ev = queue_.pop();
    if (ev.time < now()) {
      fail("time went backwards");
      break;
    }
    queue_.set_now(ev.time);
    ++events_;
    dispatch(ev);
    if (opt_.progress && (events_ & 0xffff) == 0) progress_line();
  }
  if (checker_.failure().empty()) {
    queue_.set_now(x_.duration);
    checker_.check_crashes();
  }
  return result(std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count());
}

RunResult World::result(double wall) {
  if (has_services()) runtime_.finish();  // unavailability up to the end
  const bool views_equal = checker_.check_converged();
  Measures& m = checker_.measures();
  RunResult r;
  r.report = run_report(ReportInputs{x_, wall, events_, faults_.joined(), faults_.slow_names(),
                                     spec_writer_, probe_writes_, views_equal, peers_, m, network_,
                                     runtime_, recon_});
  for (const auto& c : m.crashes)
    if (c.first_suspected) r.samples.first_detection_s.push_back(static_cast<double>(*c.first_suspected - c.at) / 1e6);
  r.samples.dissemination_s = m.dissemination;
  r.samples.load = std::move(m.load);
  r.series = std::move(m.series);
  r.failure = checker_.failure();
  return r;
}

}  // namespace

RunResult run_experiment(const Experiment& x, const RunOptions& opt) {
  World w(x, opt);
  return w.run();
}

}  // namespace shoal::sim
