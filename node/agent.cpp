// The peer daemon's I/O shell. Asio lives here (and in http_server.cpp / http_client.cpp).
#include "node/asio.hpp"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <variant>

#include <nlohmann/json.hpp>

#include "node/agent.hpp"
#include "node/agent_start.hpp"
#include "node/api_guard.hpp"
#include "node/api_json.hpp"
#include "node/api_response.hpp"
#include "node/api_routes.hpp"
#include "node/deploy_api.hpp"
#include "node/catalog_api.hpp"
#include "node/events_api.hpp"
#include "node/http.hpp"
#include "node/listeners.hpp"
#include "node/local_instances.hpp"
#include "node/keyring_sync.hpp"
#include "node/cli.hpp"
#include "node/metrics.hpp"
#include "node/orphan_heartbeat.hpp"
#include "node/peer_memory.hpp"
#include "node/process_signals.hpp"
#include "node/dir_watch.hpp"
#include "node/seed_resolver.hpp"
#include "node/sd_notify.hpp"
#include "node/folder_publisher.hpp"
#include "node/limits_status.hpp"
#include "node/run_delay.hpp"
#include "node/runtime_health.hpp"
#include "node/secrets_reload.hpp"
#include "node/services_api.hpp"
#include "node/ui_api.hpp"
#include "node/peer/apply_plan.hpp"
#include "node/peer/catalog.hpp"
#include "node/peer/event_log.hpp"
#include "node/peer/peer.hpp"
#include "node/state_report.hpp"
#include "node/status_view.hpp"
#include "node/departure.hpp"
#include "node/desired_state.hpp"
#include "node/driver_choice.hpp"
#include "node/runtime/faulty_driver.hpp"
#include "node/peer/starvation.hpp"
#include "node/peer/state_codec.hpp"
#include "node/peer/what_if.hpp"
#include "node/gossip_transport.hpp"
#include "node/logs_api.hpp"
#include "node/usage_service.hpp"

namespace shoal::node {

namespace asio = boost::asio;
using Json = nlohmann::json;
using gossip::Micros;

namespace {

constexpr auto kJoinWait = std::chrono::seconds(2);   // for the executor's first report

gossip::Clock clock_now() {
  using namespace std::chrono;
  return {duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count(),
          duration_cast<microseconds>(system_clock::now().time_since_epoch()).count()};
}

class Agent {
 public:
  Agent(config::PeerConfig cfg, AgentSetup setup, std::uint64_t incarnation, Sealer sealer,
        std::string token)
      : cfg_(std::move(cfg)),
        setup_(std::move(setup)),
        peer_(gossip::Identity{setup_.name, setup_.advertise, incarnation, setup_.meta},
              setup_.gossip, random_seed(), clock_now().mono,
              PeerTiming{setup_.join_grace, cfg_.reconcile.solo_after * gossip::kMillis}),
        sealer_(std::move(sealer)),
        memory_(cfg_.data_dir, incarnation),
        guard_{std::move(token), {cfg_.api.listen.host, setup_.name}, cfg_.api.socket},
        services_(cfg_.services_dir, setup_.name),
        transport_(io_, sealer_, seed_resolver_,
                   [this](const gossip::Address& from, gossip::Channel ch,
                          std::span<const std::byte> plain) { return deliver(from, ch, plain); }),
        tick_(io_),
        house_(io_),
        wake_(io_),
        join_timer_(io_),
        heartbeat_(io_, cfg_, setup_.name),
        signals_(io_, {[this] { reload(); },
                       [this] { return departure_.drain().active() || departure_.leaving(); },
                       [this](const char* why) { departure_.start(why); }}) {
    services_.set_max_replicas(cfg_.limits.max_replicas);
  }

  // Binds everything; empty on success, else the error.
  std::string open() {
    if (std::string e = transport_.open(setup_.bind); !e.empty()) return e;
    return listeners_.open(
        io_, cfg_, [this](const HttpRequest& r) { return handle_api(r); },
        [this] { return dns_view_key(gossip_.view_hash(), gossip_.state()); },
        [this] { return make_dns_view(cfg_.dns, gossip_.members(), all_statuses(), store_specs()); });
  }

  int run() {
    start_ = clock_now();
    spdlog::info("peer {} starting: gossip {} (advertise {}), api {} and {}, profile {}, {}",
                 setup_.name, setup_.bind.to_string(), setup_.advertise.to_string(),
                 cfg_.api.listen.to_string(), cfg_.api.socket, setup_.gossip.profile,
                 sealer_.enabled() ? "sealed (" + std::to_string(sealer_.key_count()) + " keys)"
                                   : std::string("PLAINTEXT (security.insecure)"));
    transport_.start();
    signals_.start();
    std::vector<gossip::Address> seeds;
    for (const auto& a : cfg_.join) {
      gossip::Address s{a.host, a.port};
      if (s != setup_.advertise) seeds.push_back(s);
    }
    // The members this peer remembered at its last run join the seeds (they do not gate
    // readiness: a configured seed still must answer first, as before).
    memory_.add_remembered(seeds, setup_.advertise);
    memory_.restore_state(gossip_, start_);
    keys_.acknowledge(start_);  // in the first push-pull: rotations wait for every peer's
    seeds_ = std::move(seeds);
    std::set<std::string> seed_names;  // resolved in the background from now on
    for (const auto& a : seeds_) seed_names.insert(a.host);
    seed_resolver_.set_names(std::move(seed_names));
    heartbeat_.start();  // before the executor adopts what a previous run left
    // Join once the executor has listed what a previous run left running (or after a bound, when
    // the engine does not answer), so a quick restart can announce `ready` at once.
    start_executor();
    join_timer_.expires_after(kJoinWait);
    join_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) join_cluster(false);
    });
    housekeeping();
    run_io();
    local_.stop();
    if (state_dirty_) persist_state();
    memory_.stop();  // the last snapshot is on disk before the peer exits
    memory_.save_incarnation(gossip_.incarnation());
    spdlog::info("peer {} stopped", setup_.name);
    return 0;
  }

  // The io loop never dies of a handler's exception: it is logged, counted (/v1/status
  // stats.handler_errors) and the loop goes on with the next handler.
  void run_io() {
    for (;;) {
      try {
        io_.run();
        return;
      } catch (const std::exception& e) {
        ++handler_errors_;
        spdlog::error("an io handler threw (contained, the peer goes on): {}", e.what());
      }
    }
  }

  // Instances of data_dir labelled for another peer name, found at start (rename_takeover.hpp).
  void set_foreign(const std::vector<runtime::Instance>& found) {
    for (const auto& i : found)
      foreign_.push_back(Json{{"id", i.id}, {"peer", i.labels.peer}, {"service", i.labels.service},
                              {"index", i.labels.index}, {"pid", i.pid}});
  }
  // Tests only (faulty_driver.hpp): the driver's calls fail as asked.
  void set_driver_faults(std::optional<runtime::DriverFaults> f) { driver_faults_ = f; }

 private:
  static std::uint64_t random_seed() {
    std::uint64_t s = 0;
    randombytes_buf(&s, sizeof s);
    return s;
  }

  // One opened packet into the engine; false when it refused it. A packet that makes the
  // engine run out of memory is dropped, not the end of the peer.
  bool deliver(const gossip::Address& from, gossip::Channel ch, std::span<const std::byte> plain) {
    if (ch == gossip::Channel::stream && is_logs_frame(plain))  // node/logs_wire.hpp
      return logs_api_.on_frame(from, plain);
    const auto before = gossip_.stats().packets_malformed;
    gossip::Outbox out;
    try {
      gossip_.handle_packet(clock_now(), from, ch, plain, out);
    } catch (const std::bad_alloc&) {
      spdlog::warn("dropped a packet from {}: out of memory handling it", from.to_string());
      return false;
    }
    flush(out);
    return gossip_.stats().packets_malformed == before;
  }

  // After every engine call: send, log events, persist the incarnation, re-arm the timer.
  void flush(gossip::Outbox& out) {
    for (auto& d : out.sends) transport_.send(d);
    for (const auto& e : out.events) {
      peer_.observe(e);
      if (e.kind == gossip::EventKind::self_refuted) refuted_before_seq_ = local_.submitted() + 1;
      log_event(e);
    }
    memory_.save_incarnation(gossip_.incarnation());
    arm();
  }

  void log_event(const gossip::Event& e) {
    using K = gossip::EventKind;
    if (e.kind == K::state_changed && UsageService::is_usage_key(e.name)) return;  // no input
    reconcile_soon();  // membership, metadata (ready) and state all feed placement
    if (e.kind == K::state_changed) {
      state_dirty_ = true;
      keys_.on_state_changed(clock_now(), e.name);
    } else if (e.kind == K::join_succeeded) {
      spdlog::info("joined the cluster via {}", e.addr.to_string());
    } else if (e.kind == K::name_conflict) {
      spdlog::error("name conflict: {} claims the name {} (refused)", e.addr.to_string(), e.name);
    } else if (e.kind == K::member_updated) {
      spdlog::debug("member {} updated (incarnation {})", e.name, e.incarnation);
    } else {
      spdlog::info("member {} {} at {} (incarnation {}{}{})", e.name, gossip::to_string(e.kind),
                   e.addr.to_string(), e.incarnation, e.from.empty() ? "" : ", from ", e.from);
    }
    if (auto ev = gossip_event(e, gossip_.state(), clock_now().wall / gossip::kMillis)) {
      events_.record(std::move(*ev));  // GET /v1/events (node/peer/event_log.hpp)
      events_api_.maybe_changed();
    }
  }

  void arm() {
    const Micros d = gossip_.next_deadline();
    if (d == gossip::kNever) {
      tick_.cancel();
      return;
    }
    tick_.expires_at(std::chrono::steady_clock::time_point(std::chrono::microseconds(d)));
    tick_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      gossip::Outbox out;
      gossip_.handle_tick(clock_now(), out);
      flush(out);
    });
  }

  // Once a second: readiness (node/peer/readiness.hpp), and whether this host starves the
  // agent of CPU (node/peer/starvation.hpp).
  void housekeeping() {
    const gossip::Clock now = clock_now();
    if (auto delay = thread_run_delay(); delay && starvation_.sample(now.mono, *delay))
      spdlog::warn("{}: the agent waited for a CPU {:.0f}% of the last seconds",
                   starvation_.starved() ? "starved" : "fed again",
                   100 * starvation_.waiting().value_or(0));
    update_schedulable();
    const bool ready_due = peer_.ready_due(now.mono);  // observes readiness
    if (peer_.readiness().synced()) ready_notice_.send_once();  // systemd: joined, or join timed out
    if (ready_due && !departure_.leaving()) {
      gossip::Outbox out;
      if (peer_.announce_ready(now, out))
        spdlog::info("ready (synced, up {} ms)", (now.mono - start_.mono) / 1000);
      flush(out);
    }
    scan_services();
    if (state_dirty_) persist_state();
    if (!departure_.leaving()) memory_.remember_peers(setup_.name, gossip_.members());
    reconcile();
    house_.expires_after(std::chrono::seconds(1));
    house_.async_wait([this](boost::system::error_code ec) {
      if (!ec) housekeeping();
    });
  }

  // `timed`: the once-a-second scan (the only one whose listing counts as evidence of absence).
  void scan_services(bool timed = true) {
    if (timed) watch_.ensure();
    publisher_.scan(timed);
    publish_specs();
  }

  // The services folder into spec/ keys (node/folder_publisher.hpp).
  void publish_specs() {
    if (!publisher_.publish(gossip_, clock_now(), [this](const auto& n) { return deploy_api_.outcome(n); }))
      return;
    state_dirty_ = true;
    reconcile_soon();
  }

  void persist_state() {
    memory_.save_state(gossip_.state());
    state_dirty_ = false;
  }

  std::vector<config::ServiceSpec> store_specs() const { return desired_.specs(); }
  const placement::Assignment& placed(const std::vector<config::ServiceSpec>& specs) const {
    return desired_.placed(specs);
  }

  // --- reconcile ------------------------------------------------------------------------------

  void reconcile_soon() {
    catalog_.maybe_changed();  // every change of members, statuses or specs comes through here
    if (reconcile_posted_ || departure_.leaving()) return;
    reconcile_posted_ = true;
    asio::post(io_, [this] {
      reconcile_posted_ = false;
      reconcile();
    });
  }

  // The executor: Runner + driver on one worker thread; reports come back through io_.
  void start_executor() {
    local_.start(executor_options(cfg_, setup_, driver_faults_),
                 [this](std::function<void()> f) { asio::post(io_, std::move(f)); },
                 [this](ExecReport r) { on_report(std::move(r)); });
  }

  // Computes the inputs here (copies) and hands the step to the worker (coalesced there).
  void reconcile() {
    if (departure_.leaving() || !local_.started()) return;
    const gossip::Clock now = clock_now();
    StepInputs in;
    in.services = store_specs();
    in.assignment = placed(in.services);
    if (deploy_api_.latch_failed(in.services, in.assignment)) return;  // reverts at the next step
    in.peers = peer_.other_statuses();
    in.live_peers = peer_.live_peers();
    const StepGates gates = peer_.gates(now.mono);
    in.synced = gates.synced;
    in.alone_since = gates.alone_since;
    in.health_bad = gates.health_bad;
    in.capacity = {setup_.meta.cpu_milli, setup_.meta.memory_mib};
    if (departure_.drain().stopping_all()) {
      // Draining, last phase: nothing is wanted here any more, so the reconciler stops every
      // local instance (grace honoured by the driver).
      in.services.clear();
      in.assignment = placement::Assignment{};
      in.synced = true;
    }
    local_.submit(std::move(in));
  }

  // Joins the cluster (once). `adopted`: instances of a previous run still run here. This peer
  // was then ready moments ago: announcing `ready` from the first alive message keeps them where
  // they are, where waiting for join_grace would make every other peer hand them away meanwhile
  // (a second copy started) and back (the adopted one stopped).
  void join_cluster(bool adopted) {
    if (joined_) return;
    joined_ = true;
    join_timer_.cancel();
    gossip::Outbox out;
    if (adopted && !departure_.leaving() && peer_.announce_ready(clock_now(), out)) {
      spdlog::info("ready at once: {} instance(s) of a previous run still run here",
                   local_.status().instances.size());
    }
    gossip_.join(clock_now(), seeds_, out);
    flush(out);
  }

  // On the io thread: what the worker did.
  void on_report(ExecReport r) {
    if (r.has_status) {
      for (auto& e : instance_events(local_.status(), r.status, setup_.name,
                                     clock_now().wall / gossip::kMillis))
        events_.record(std::move(e));
      events_api_.maybe_changed();
      local_.set_status(std::move(r.status));
      catalog_.maybe_changed();
      // After a refutation the status is written again (node/peer/peer.hpp), so only from a
      // step handed over since: one taken before (maybe before a stall) may list instances
      // stopped meanwhile.
      const bool fresh = local_.stepped() >= refuted_before_seq_;
      if (!departure_.leaving() && fresh && peer_.publish_status(clock_now(), local_.status()))
        state_dirty_ = true;
    }
    if (!joined_ && r.has_status) join_cluster(!local_.status().instances.empty());
    const bool back = runtime_.update(r);
    update_schedulable();
    if (back) reconcile_soon();
    if (r.wake_at) {
      wake_.expires_at(std::chrono::steady_clock::time_point(std::chrono::milliseconds(*r.wake_at)));
      wake_.async_wait([this](boost::system::error_code ec) {
        if (!ec) reconcile_soon();
      });
    }
  }

  // schedulable = the engine answers, we are not draining, and not starved while another peer
  // takes work; gossiped in our metadata.
  void update_schedulable() {
    if (departure_.leaving()) return;
    const bool yield = starvation_.starved() && another_takes_work(gossip_.members(), setup_.name);
    const bool want = runtime_.available() && !departure_.drain().active() && !yield;
    gossip::Meta m = gossip_.members().at(setup_.name).meta;
    if (m.schedulable == want) return;
    m.schedulable = want;
    gossip::Outbox out;
    if (gossip_.set_meta(clock_now(), m, out)) {
      spdlog::info("schedulable = {}{}", want ? "true" : "false",
                   want                           ? ""
                   : departure_.drain().active() ? " (draining)"
                   : yield                        ? " (starved)"
                                                  : " (runtime unavailable)");
    }
    flush(out);
  }

  // A copy of what this peer's Runner last reported (never the Runner itself).
  std::map<std::string, placement::PeerStatus> all_statuses() const {
    auto st = peer_.other_statuses();
    if (local_.have_status()) st[setup_.name] = local_.status();
    return st;
  }

  Json ps_view() const {
    auto specs = store_specs();
    const placement::Assignment& asg = placed(specs);
    return ps_json(asg, all_statuses(), gossip_.members());
  }
  Json services_view() const {
    auto specs = store_specs();
    const placement::Assignment& asg = placed(specs);
    return services_json(specs, asg, all_statuses(), desired_.reverts());
  }

  // GET /v1/what-if: the current placement against the view with those peers dead (pure,
  // node/peer/what_if.hpp); the "now" side is the cached placement.
  HttpResponse what_if_view(const std::string& target) const {
    auto q = parse_what_if_query(target);
    if (!q.down) return error_response(400, q.error);
    auto specs = store_specs();
    auto r = what_if(peer_.placement_view(specs), placed(specs), *q.down);
    if (!r.error.empty()) return error_response(400, r.error);
    return json_response(200, what_if_json(r));
  }

  // SIGHUP (node/process_signals.hpp).
  void reload() {
    spdlog::info("SIGHUP: rescanning {}", cfg_.services_dir);
    scan_services();
    if (reload_keyring(sealer_)) keys_.acknowledge(clock_now());
    reload_token(guard_, cfg_.api.token_file);
  }

  bool others_alive() const {
    for (const auto& [n, m] : gossip_.members()) {
      if (n != setup_.name && gossip::is_live(m.state)) {
        return true;
      }
    }
    return false;
  }

  DrainView drain_view(const Drain& drain) const {
    DrainView v;
    v.now = clock_now().mono / 1000;
    v.others_alive = others_alive();
    v.runtime_down = runtime_.down();
    v.have_status = local_.have_status();
    v.submitted = local_.submitted();
    v.stepped = local_.stepped();
    v.active = local_.active();
    v.local = local_.status().instances.size();
    if (drain.phase() == Drain::Phase::handoff) {
      for (const auto& sp : store_specs())
        v.max_stop_grace = std::max(v.max_stop_grace, sp.stop_grace);
    }
    return v;
  }

  Departure::Hooks departure_hooks() {
    Departure::Hooks h;
    h.view = [this](const Drain& d) { return drain_view(d); };
    h.drain_started = [this] {
      update_schedulable();
      reconcile_soon();
    };
    h.reconcile = [this] { reconcile_soon(); };
    h.leave = [this] {
      gossip::Outbox out;
      gossip_.leave(clock_now(), out);
      flush(out);
    };
    h.leave_gossiped = [this](Micros waited) {
      return gossip_.pending_broadcasts() == 0 && waited >= 2 * setup_.gossip.gossip_interval;
    };
    h.others_alive = [this] { return others_alive(); };
    h.shutdown = [this] { shutdown(); };
    h.mono_now = [] { return clock_now().mono; };
    return h;
  }

  void shutdown() {
    transport_.close();
    listeners_.close();
    catalog_.close();
    events_api_.close();
    logs_api_.close();
    wake_.cancel();
    departure_.cancel();
    heartbeat_.stop();
    io_.stop();
  }

  // --- API -----------------------------------------------------------------------------------

  HttpResponse handle_api(const HttpRequest& r) {
    HttpResponse out = routes_.answer(r, guard_);
    api_counts_.count(r.method, target_path(r.target), out.status);
    return out;
  }

  ServicesApi::Hooks services_hooks() {
    ServicesApi::Hooks h;
    h.rescan = [this] { scan_services(false); };
    h.erase_spec = [this](const std::string& name) {
      if (!gossip_.state().get("spec/" + name)) return false;
      gossip_.erase(clock_now(), "spec/" + name);
      state_dirty_ = true;
      reconcile_soon();
      return true;
    };
    h.plan = [this](const std::vector<config::ServiceSpec>& services) {
      const auto specs = store_specs();
      return plan_apply(peer_.placement_view(specs), placed(specs), services);
    };
    h.clock_warning = [this] {
      return clock_warning(clock_ahead_ms(gossip_.state(), clock_now().wall),
                           setup_.gossip.max_clock_skew);
    };
    return h;
  }

  // Every endpoint of the API (DESIGN.md "API"), answered on the io thread.
  std::vector<ApiRoute> api_routes() {
    using R = const HttpRequest&;
    using Rest = const std::string&;
    auto view = [](Json j) { return json_response(200, j); };
    return {
        {"GET", "/v1/members", [=, this](R, Rest) { return view(members_json(gossip_.members())); }},
        {"GET", "/v1/status", [=, this](R, Rest) { return view(status_json()); }},
        {"GET", "/v1/services", [=, this](R, Rest) { return view(services_view()); }},
        {"GET", "/v1/ps", [=, this](R, Rest) { return view(ps_view()); }},
        {"GET", "/v1/what-if", [this](R r, Rest) { return what_if_view(r.target); }},
        {"GET", "/metrics",
         [this](R, Rest) -> HttpResponse {
           return {200, render_metrics(metrics_snapshot()), std::string(kMetricsContentType)};
         }},
        {"GET", "/v1/catalog/", [this](R r, Rest) { return catalog_.get(r); }},
        {"GET", "/v1/events", [this](R r, Rest) { return events_api_.get(r); }},
        {"GET", "/v1/logs", [this](R r, Rest) { return logs_api_.get(r); }},
        {"GET", "/v1/usage", [=, this](R, Rest) { return view(usage_.view(clock_now().wall / 1000)); }},
        {"GET", "/ui", [](R, Rest) { return ui_redirect(); }},  // the dashboard: node/ui_api.hpp
        {"GET", "/ui/", [](R, Rest file) { return ui_response(file); }},
        {"POST", "/v1/apply", [this](R r, Rest) { return services_api_.apply(r); }},
        {"POST", "/v1/plan", [this](R r, Rest) { return services_api_.plan(r); }},
        {"GET", "/v1/history/", [this](R, Rest name) { return deploy_api_.history(name); }},
        {"POST", "/v1/revert", [this](R r, Rest) { return deploy_api_.revert(r); }},
        {"POST", "/v1/promote", [this](R r, Rest) { return deploy_api_.promote(r); }},
        {"GET", "/v1/keys",
         [this](R, Rest) {
           auto reply = keys_.view();
           return json_response(reply.status, reply.body);
         }},
        {"POST", "/v1/keys",
         [this](R r, Rest) {
           auto reply = keys_.apply(clock_now(), r.body);
           return json_response(reply.status, reply.body);
         }},
        {"DELETE", "/v1/services/", [this](R, Rest name) { return services_api_.remove(name); }},
    };
  }

  Json status_json() const {
    const gossip::Clock now = clock_now();
    StatusFacts f(gossip_, transport_.stream());
    f.name = setup_.name;
    f.addr = setup_.advertise.to_string();
    f.api_socket = cfg_.api.socket;
    f.profile = setup_.gossip.profile;
    f.self_ready = peer_.readiness().ready();
    f.synced = peer_.readiness().synced();
    f.leaving = departure_.leaving();
    f.draining = departure_.drain().active();
    f.sealed = sealer_.enabled();
    f.runtime = runtime_.json();
    if (cfg_.runtime.driver == "process") f.runtime["limits"] = limits_json(setup_.cgroups);
    f.uptime_ms = (now.mono - start_.mono) / 1000;
    f.wall_us = now.wall;
    f.max_clock_skew_us = setup_.gossip.max_clock_skew;
    f.errors = services_.errors();
    f.conflicts = publisher_.conflicts(gossip_.state(), setup_.name);
    f.invalid_specs = desired_.invalid_json();
    f.local_services = publisher_.names();
    f.foreign_instances = foreign_;
    f.packets_dropped = transport_.dropped();
    f.packets_unauthenticated = sealer_.rejected();
    f.packets_replayed = sealer_.replayed();
    f.specs_refused = desired_.refused();
    f.placements = desired_.placements();
    f.handler_errors = handler_errors_;
    f.catalog_held = catalog_.held();
    f.events_held = events_api_.held();
    Json j = node::status_json(f);
    j["reverted"] = reverts_json(desired_.reverts());
    j["awaiting_promotion"] = deploy_api_.awaiting_promotion();
    j["starved"] = starvation_.starved();
    j["cpu_wait"] = starvation_.waiting() ? Json(*starvation_.waiting()) : Json(nullptr);
    return j;
  }

  // What GET /metrics shows (node/metrics.hpp): copies of the counters /v1/status shows, and more.
  MetricsSnapshot metrics_snapshot() const {
    MetricsSnapshot m;
    m.peer = setup_.name;
    m.version = version();
    m.profile = setup_.gossip.profile;
    m.uptime_seconds = static_cast<double>(clock_now().mono - start_.mono) / 1e6;
    take_gossip_metrics(m, gossip_);
    transport_.take_metrics(m);
    m.specs_refused = desired_.refused();
    for (const auto& p : placed(store_specs()).instances) m.unplaced[p.id.service] += !p.owner;
    m.placements = desired_.placements();
    m.placement_seconds = desired_.placement_seconds();
    for (const auto& i : local_.status().instances)
      ++m.instances[std::string(placement::to_string(i.state))];
    m.runner = local_.counts();
    m.api = api_counts_;
    m.catalog_held = catalog_.held();
    m.handler_errors = handler_errors_;
    m.dns = listeners_.dns() != nullptr;
    if (m.dns) m.dns_stats = listeners_.dns()->stats();
    return m;
  }

  asio::io_context io_;
  config::PeerConfig cfg_;
  AgentSetup setup_;
  Peer peer_;  // the gossip engine and this peer's decisions over it (node/peer/peer.hpp)
  gossip::Engine& gossip_ = peer_.engine();
  Sealer sealer_;
  PeerMemory memory_;  // data_dir/state, incarnation and peers
  KeyringSync keys_{gossip_, sealer_};
  ApiGuard guard_;  // who may call the API (token swapped on SIGHUP)
  ServicesDir services_;
  FolderPublisher publisher_{services_, cfg_.data_dir};
  SeedResolver seed_resolver_{io_, [](const std::string& m) { spdlog::warn("{}", m); }};
  GossipTransport transport_;  // UDP and the stream channel, sealed
  asio::steady_timer tick_;
  asio::steady_timer house_;
  StarvationWatch starvation_;  // whether the io thread waits for a CPU (a starved host)
  asio::steady_timer wake_;         // the Runner's next wake time
  asio::steady_timer join_timer_;   // bounds the wait for the executor's first report
  OrphanHeartbeat heartbeat_;       // node/orphan_heartbeat.hpp
  std::vector<gossip::Address> seeds_;
  bool joined_ = false;
  ReadyNotice ready_notice_;  // takes $NOTIFY_SOCKET (unsetenv): before any thread starts
  ProcessSignals signals_;  // SIGHUP, SIGTERM, SIGINT
  Listeners listeners_;  // the API (TCP and unix) and DNS
  std::uint64_t handler_errors_ = 0;  // exceptions contained by run_io
  DesiredState desired_{peer_, cfg_.limits.max_replicas};  // specs and their placement
  Departure departure_{io_, cfg_.reconcile.handoff_timeout, departure_hooks()};
  ServicesApi services_api_{services_, setup_.name, cfg_.limits.max_replicas, services_hooks()};
  DeployApi deploy_api_{gossip_, desired_, [this] { return all_statuses(); }, [this] { return clock_now(); },
                       [this] { state_dirty_ = true; reconcile_soon(); }};  // history, revert, deploy/
  ApiRoutes routes_{api_routes()};
  ApiCounts api_counts_;  // API requests by method, route class, status class (/metrics)
  gossip::Clock start_;
  LocalInstances local_;  // the executor, and what the Runner last reported (a copy)
  Json foreign_ = Json::array();
  RuntimeHealth runtime_{cfg_.runtime.driver, cfg_.runtime.socket};  // the driver answers?
  std::optional<runtime::DriverFaults> driver_faults_;  // tests only: SHOAL_TEST_DRIVER_FAULTS
  bool state_dirty_ = false;
  std::uint64_t refuted_before_seq_ = 0;  // publish status from steps of this seq on (see on_report)
  bool reconcile_posted_ = false;
  // services_dir changes wake a scan at once; the 1 s timed scan stays (node/dir_watch.hpp).
  DirWatch watch_{io_, services_.dir(), [this] { scan_services(false); }};
  EventLog events_;
  EventsApi events_api_{io_, setup_.name, events_};  // GET /v1/events
  LogsApi logs_api_{  // GET /v1/logs, and logs frames on the stream channel (node/logs_api.hpp)
      io_,
      [this] { return LocalLogsSetup{setup_.name, cfg_.data_dir, cfg_.runtime.driver, runtime_.socket()}; },
      [this](const std::string& s, std::optional<int> i) {
        return log_owners(gossip_.members(), all_statuses(), s, i);
      },
      [this](const std::string& n) { return live_member(gossip_.members(), n); },
      [this](const gossip::Address& to, gossip::Bytes b, bool reply) {
        gossip::Datagram d{to, gossip::Channel::stream, std::move(b), reply};
        transport_.send(d);
      },
      [] { return clock_now().wall / gossip::kMillis; }};
  // GET /v1/catalog/<service> and its held blocking queries (node/catalog_api.hpp).
  CatalogApi catalog_{io_, [this](const std::string& service) {
                        return catalog_answer(service, gossip_.members(), all_statuses(),
                                              store_specs());
                      }};
  UsageService usage_{gossip_, {setup_.name, cfg_.data_dir, cfg_.runtime.driver, runtime_.socket()},
                      [this](std::function<void()> f) { asio::post(io_, std::move(f)); },
                      [] { return clock_now(); }};  // GET /v1/usage (node/usage_service.hpp)
};

}  // namespace

int run_agent(const AgentOptions& opts, std::ostream& err) {
  auto prepared = prepare_agent(opts, err);
  if (auto* rc = std::get_if<int>(&prepared)) return *rc;
  AgentStart& s = std::get<AgentStart>(prepared);
  auto agent = std::make_unique<Agent>(s.cfg, s.setup, s.incarnation, std::move(s.sealer), s.token);
  agent->set_foreign(s.foreign);
  agent->set_driver_faults(s.faults);
  if (std::string e = agent->open(); !e.empty()) {
    err << "shoal agent: " << e << "\n";
    return 1;
  }
  return agent->run();
}

}  // namespace shoal::node
