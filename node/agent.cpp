// The peer daemon's I/O shell. Asio lives here (and in http_server.cpp / http_client.cpp).
#include "node/asio.hpp"

#include <sodium.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <variant>
#include <ostream>

#include <nlohmann/json.hpp>

#include "config/parse.hpp"
#include "gossip/engine.hpp"
#include "node/agent.hpp"
#include "node/agent_setup.hpp"
#include "node/api_guard.hpp"
#include "node/api_json.hpp"
#include "node/catalog_api.hpp"
#include "node/events_api.hpp"
#include "node/dns_server.hpp"
#include "node/host.hpp"
#include "node/http.hpp"
#include "node/keyring_setup.hpp"
#include "node/keyring_sync.hpp"
#include "node/cli.hpp"
#include "node/metrics.hpp"
#include "node/peer/json_text.hpp"
#include "node/known_peers.hpp"
#include "node/persist.hpp"
#include "node/placement_cache.hpp"
#include "node/rename_takeover.hpp"
#include "node/unix_socket_file.hpp"
#include "node/sealer.hpp"
#include "node/dir_watch.hpp"
#include "node/seed_resolver.hpp"
#include "node/sd_notify.hpp"
#include "node/services_dir.hpp"
#include "node/peer/apply_plan.hpp"
#include "node/peer/catalog.hpp"
#include "node/peer/event_log.hpp"
#include "node/peer/drain.hpp"
#include "node/peer/peer.hpp"
#include "node/peer/spec_gate.hpp"
#include "node/peer/spec_publisher.hpp"
#include "node/state_file.hpp"
#include "node/state_report.hpp"
#include "node/state_writer.hpp"
#include "node/executor.hpp"
#include "node/runtime/docker_driver.hpp"
#include "node/runtime/faulty_driver.hpp"
#include "node/runtime/process_driver.hpp"
#include "node/runtime/watchdog_keeper.hpp"
#include "node/peer/state_codec.hpp"
#include "node/peer/what_if.hpp"
#include "node/log_format.hpp"
#include "node/stream_transport.hpp"
#include "node/logs_api.hpp"
#include "placement/contained.hpp"
#include "placement/place.hpp"

namespace shoal::node {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using Json = nlohmann::json;
using gossip::Micros;

namespace {

constexpr Micros kLeaveBound = 3 * gossip::kSeconds;   // graceful leave, at most
constexpr auto kJoinWait = std::chrono::seconds(2);   // for the executor's first report
constexpr config::Millis kEngineTimeout = 5000;        // docker: per engine request

gossip::Clock clock_now() {
  using namespace std::chrono;
  return {duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count(),
          duration_cast<microseconds>(system_clock::now().time_since_epoch()).count()};
}

HttpResponse json_response(int status, const Json& j) { return {status, json_text(j) + "\n"}; }
HttpResponse error_response(int status, const std::string& msg) {
  return json_response(status, Json{{"error", msg}});
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
        guard_{std::move(token), {cfg_.api.listen.host, setup_.name}, cfg_.api.socket},
        services_(cfg_.services_dir, setup_.name),
        udp_(io_),
        stream_(io_, StreamLimits{},
                [this](const gossip::Address& from, std::span<const std::byte> f) {
                  return on_stream_frame(from, f);
                },
                hello_fn()),
        tick_(io_),
        house_(io_),
        leave_timer_(io_),
        wake_(io_),
        drain_timer_(io_),
        join_timer_(io_),
        heartbeat_(io_),
        signals_(io_, SIGINT, SIGTERM) {
    signals_.add(SIGHUP);
    services_.set_max_replicas(cfg_.limits.max_replicas);
    persisted_incarnation_ = incarnation;
    runtime_socket_ = cfg_.runtime.socket;
    load_published();
  }

  // Binds everything; empty on success, else the error.
  std::string open() {
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(setup_.bind.host, ec);
    if (ec) return "bind: bad address " + setup_.bind.host;
    udp::endpoint uep(addr, setup_.bind.port);
    udp_.open(uep.protocol(), ec);
    if (!ec) udp_.bind(uep, ec);
    if (ec) return "cannot bind UDP " + setup_.bind.to_string() + ": " + ec.message();
    if (std::string e = stream_.listen(tcp::endpoint(addr, setup_.bind.port)); !e.empty())
      return "cannot bind TCP " + setup_.bind.to_string() + ": " + e;
    try {
      api_ = std::make_unique<HttpServer>(io_, cfg_.api.listen.host, cfg_.api.listen.port,
                                          [this](const HttpRequest& r) { return handle_api(r); });
    } catch (const std::exception& e) {
      return std::string("api: ") + e.what();
    }
    try {  // the same API on a unix socket, where mutations need no token (its mode decides)
      api_unix_ = std::make_unique<HttpServer>(
          io_, UnixListen{cfg_.api.socket, cfg_.api.socket_group},
          [this](const HttpRequest& r) { return handle_api(r); });
    } catch (const std::exception& e) {
      return std::string("api.socket: ") + e.what();
    }
    return open_dns();
  }

  // dns.listen (node/dns_server.hpp); the default address, when taken, only warns.
  std::string open_dns() {
    if (!cfg_.dns.enabled) return "";
    const config::Address at = cfg_.dns.listen.value_or(config::Address{"127.0.0.1", 7953});
    try {
      dns_ = std::make_unique<DnsServer>(
          io_, at.host, at.port,
          [this] { return dns_view_key(gossip_.view_hash(), gossip_.state()); },
          [this] {
            return make_dns_view(cfg_.dns, gossip_.members(), all_statuses(), store_specs());
          });
      spdlog::info("dns on {} (UDP and TCP), domain {}", at.to_string(), cfg_.dns.domain);
    } catch (const std::exception& e) {
      if (cfg_.dns.listen) return std::string("dns: ") + e.what();
      spdlog::warn("dns: {}; running without DNS (set dns.listen, or dns.enabled = false)",
                   e.what());
    }
    return "";
  }

  int run() {
    start_ = clock_now();
    spdlog::info("peer {} starting: gossip {} (advertise {}), api {} and {}, profile {}, {}",
                 setup_.name, setup_.bind.to_string(), setup_.advertise.to_string(),
                 cfg_.api.listen.to_string(), cfg_.api.socket, setup_.gossip.profile,
                 sealer_.enabled() ? "sealed (" + std::to_string(sealer_.key_count()) + " keys)"
                                   : std::string("PLAINTEXT (security.insecure)"));
    receive_udp();
    stream_.start();
    signals_.async_wait([this](boost::system::error_code ec, int sig) { on_signal(ec, sig); });
    std::vector<gossip::Address> seeds;
    for (const auto& a : cfg_.join) {
      gossip::Address s{a.host, a.port};
      if (s != setup_.advertise) seeds.push_back(s);
    }
    // The members this peer remembered at its last run join the seeds (they do not gate
    // readiness: a configured seed still must answer first, as before).
    if (auto known = read_file(cfg_.data_dir + "/peers")) {
      known_peers_ = *known;
      std::size_t added = 0;
      for (auto& a : parse_known_peers(*known)) {
        if (a == setup_.advertise || std::find(seeds.begin(), seeds.end(), a) != seeds.end())
          continue;
        seeds.push_back(std::move(a));
        ++added;
      }
      if (added > 0)
        spdlog::info("rejoining {} peer(s) remembered in {}/peers", added, cfg_.data_dir);
    }
    if (auto file = read_file(cfg_.data_dir + "/state")) {
      const StateFile snap = decode_state_file(*file);
      const auto* b = reinterpret_cast<const std::byte*>(snap.snapshot.data());
      std::string e = snap.error.empty()
                          ? gossip_.restore_state(start_, gossip::ByteView(b, snap.snapshot.size()))
                          : snap.error;
      if (e.empty()) {
        spdlog::info("restored {} state entries from {}/state", gossip_.state().entries().size(),
                     cfg_.data_dir);
        if (auto was = gossip_.state().restore_capped_from(); was != 0)
          spdlog::warn("{}/state: its clock ({} ms) was ahead of this host's by more than "
                       "max_clock_skew (a clock stepped forward?): capped",
                       cfg_.data_dir, gossip::Hlc::physical_us(was) / 1000);
      } else {
        keep_damaged_state(e);
      }
    }
    keys_.acknowledge(start_);  // in the first push-pull: rotations wait for every peer's
    seeds_ = std::move(seeds);
    std::set<std::string> seed_names;  // resolved in the background from now on
    for (const auto& a : seeds_) seed_names.insert(a.host);
    seed_resolver_.set_names(std::move(seed_names));
    // The heartbeat before the executor lists (adopts) what a previous run left: its orphan
    // watchdog (docker) or supervisors then see the peer back before anything is adopted.
    if (cfg_.runtime.driver == "docker") {  // the containers' orphan watchdog (issue 14)
      watchdog_ = std::make_unique<runtime::WatchdogKeeper>(
          runtime::WatchdogOptions{cfg_.data_dir, setup_.name, cfg_.runtime.socket,
                                   cfg_.runtime.orphan_timeout},
          [](std::string_view l) { spdlog::info("{}", l); });
    }
    beat();
    // Join once the executor has listed what a previous run left running (or after a bound, when
    // the engine does not answer), so a quick restart can announce `ready` at once.
    start_executor();
    join_timer_.expires_after(kJoinWait);
    join_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) join_cluster(false);
    });
    housekeeping();
    run_io();
    exec_->stop();  // lets a running step finish; Runner and driver go with the worker
    if (state_dirty_) persist_state();
    state_writer_.stop();  // the last snapshot is on disk before the peer exits
    persist_incarnation();
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

  // --- transport ---------------------------------------------------------------------------

  // A frame of the stream channel; whether it authenticated (one that does not closes its
  // connection). An empty plaintext is a connection's hello (stream_transport.hpp).
  bool on_stream_frame(const gossip::Address& from, std::span<const std::byte> frame) {
    auto plain = sealer_.open(frame, gossip::Channel::stream);
    if (!plain) {
      ++dropped_;
      spdlog::debug("dropped a stream frame from {} (does not authenticate)", from.to_string());
      return false;
    }
    if (plain->empty()) return true;
    if (is_logs_frame(*plain)) return logs_api_.on_frame(from, *plain);  // node/logs_wire.hpp
    deliver(from, gossip::Channel::stream, *plain);
    return true;
  }

  asio::io_context& io() { return io_; }

  // The stream hello: a sealed empty frame (none in plaintext: nothing to authenticate).
  StreamTransport::HelloFn hello_fn() {
    if (!sealer_.enabled()) return nullptr;
    return [this] { return sealer_.seal({}, gossip::Channel::stream); };
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

  void receive_udp() {
    udp_.async_receive_from(asio::buffer(rbuf_), rfrom_,
                            [this](boost::system::error_code ec, std::size_t n) {
                              if (ec == asio::error::operation_aborted) return;
                              if (!ec) on_udp(n);
                              receive_udp();
                            });
  }

  void on_udp(std::size_t n) {
    auto plain = sealer_.open(std::span<const std::byte>(rbuf_.data(), n), gossip::Channel::udp);
    if (!plain) {
      ++dropped_;
      return;
    }
    deliver(gossip::Address{rfrom_.address().to_string(), rfrom_.port()}, gossip::Channel::udp,
            *plain);
  }

  // One opened packet into the engine. A packet that makes the engine run out of memory is
  // dropped and counted, not the end of the peer.
  void deliver(const gossip::Address& from, gossip::Channel ch, std::span<const std::byte> plain) {
    const auto before = gossip_.stats().packets_malformed;
    gossip::Outbox out;
    try {
      gossip_.handle_packet(clock_now(), from, ch, plain, out);
    } catch (const std::bad_alloc&) {
      ++dropped_;
      spdlog::warn("dropped a packet from {}: out of memory handling it", from.to_string());
      return;
    }
    if (gossip_.stats().packets_malformed != before) ++dropped_;
    flush(out);
  }

  // Never blocks: IP literals, or seed names resolved in the background (node/seed_resolver.hpp).
  std::optional<asio::ip::address> resolve(const std::string& host) {
    return seed_resolver_.lookup(host);
  }

  void send(gossip::Datagram& d) {
    gossip::Bytes bytes = sealer_.seal(d.bytes, d.channel);
    if (d.channel == gossip::Channel::udp) {
      auto a = resolve(d.to.host);
      if (!a) return;
      boost::system::error_code ec;
      udp_.send_to(asio::buffer(bytes), udp::endpoint(*a, d.to.port), 0, ec);
      if (ec) spdlog::debug("udp send to {}: {}", d.to.to_string(), ec.message());
      return;
    }
    if (d.reply) {  // back on the connection the request came in on, or nowhere
      stream_.reply(d.to, std::move(bytes));
      return;
    }
    if (stream_.has(d.to)) return stream_.send(d.to, {}, std::move(bytes));
    auto a = resolve(d.to.host);
    if (a) stream_.send(d.to, tcp::endpoint(*a, d.to.port), std::move(bytes));
  }

  // After every engine call: send, log events, persist the incarnation, re-arm the timer.
  void flush(gossip::Outbox& out) {
    for (auto& d : out.sends) send(d);
    for (const auto& e : out.events) log_event(e);
    persist_incarnation();
    arm();
  }

  void log_event(const gossip::Event& e) {
    using K = gossip::EventKind;
    reconcile_soon();  // membership, metadata (ready) and state all feed placement
    switch (e.kind) {
      case K::state_changed:
        state_dirty_ = true;
        keys_.on_state_changed(clock_now(), e.name);
        if (e.name.rfind("spec/", 0) == 0) {
          specs_dirty_ = true;
          record_spec_event(e.name);
        }
        break;
      case K::join_succeeded:
        spdlog::info("joined the cluster via {}", e.addr.to_string());
        break;
      case K::name_conflict:
        spdlog::error("name conflict: {} claims the name {} (refused)", e.addr.to_string(),
                      e.name);
        record("member.name_conflict", e.name, "", -1, "claimed by " + e.addr.to_string());
        break;
      case K::member_updated:
        spdlog::debug("member {} updated (incarnation {})", e.name, e.incarnation);
        break;
      default:
        spdlog::info("member {} {} at {} (incarnation {}{}{})", e.name, gossip::to_string(e.kind),
                     e.addr.to_string(), e.incarnation, e.from.empty() ? "" : ", from ", e.from);
        record(std::string("member.") + gossip::to_string(e.kind), e.name, "", -1,
               e.from.empty() ? std::string() : "reported by " + e.from);
    }
  }

  // --- events (node/peer/event_log.hpp, GET /v1/events) ---------------------------------------

  void record(std::string kind, std::string peer, std::string service, std::int64_t index,
              std::string reason = {}) {
    events_.record(PeerEvent{0, clock_now().wall / gossip::kMillis, std::move(kind),
                             std::move(peer), std::move(service), index, std::move(reason)});
    events_api_.maybe_changed();
  }

  void record_spec_event(const std::string& key) {
    const gossip::Entry* e = gossip_.state().find(key);
    if (e == nullptr) return;
    record(e->deleted ? "spec.deleted" : "spec.changed", e->version.origin, key.substr(5), -1);
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

  void persist_incarnation() {
    if (gossip_.incarnation() == persisted_incarnation_) return;
    std::string e = write_file_atomic(cfg_.data_dir + "/incarnation",
                                      std::to_string(gossip_.incarnation()) + "\n");
    if (!e.empty()) {
      spdlog::warn("cannot persist the incarnation: {}", e);
      return;
    }
    persisted_incarnation_ = gossip_.incarnation();
  }

  // Once a second, the orphan heartbeat (the process driver's supervisors, or the docker
  // driver's watchdog, stop the instances when it stops for orphan_timeout). From the io thread,
  // not the worker: a step held up by a hung health probe must not make a live peer's instances
  // stop as orphans.
  void beat() {
    if (std::string e = runtime::touch_heartbeat(cfg_.data_dir); !e.empty()) {
      spdlog::warn("{}", e);
    }
    if (watchdog_) watchdog_->tick();
    heartbeat_.expires_after(std::chrono::seconds(1));
    heartbeat_.async_wait([this](boost::system::error_code ec) {
      if (!ec) beat();
    });
  }

  // Once a second: readiness (node/peer/readiness.hpp).
  void housekeeping() {
    const gossip::Clock now = clock_now();
    const bool ready_due = peer_.ready_due(now.mono);  // observes readiness
    if (peer_.readiness().synced()) ready_notice_.send_once();  // systemd: joined, or join timed out
    if (ready_due && !leaving_) {
      gossip::Outbox out;
      if (peer_.announce_ready(now, out))
        spdlog::info("ready (synced, up {} ms)", (now.mono - start_.mono) / 1000);
      flush(out);
    }
    scan_services();
    if (state_dirty_) persist_state();
    remember_peers();
    reconcile();
    house_.expires_after(std::chrono::seconds(1));
    house_.async_wait([this](boost::system::error_code ec) {
      if (!ec) housekeeping();
    });
  }

  // `timed`: the once-a-second scan (the only one whose listing counts as evidence of absence).
  void scan_services(bool timed = true) {
    if (timed) watch_.ensure();
    if (services_.scan(timed)) {
      std::string names;
      for (const auto& sv : services_.services()) names += (names.empty() ? "" : ", ") + sv.name;
      spdlog::info("services_dir {}: {} service(s){}{}", cfg_.services_dir,
                   services_.services().size(), names.empty() ? "" : ": ", names);
    }
    auto errs = services_.errors();
    if (errs != reported_errors_) {
      for (const auto& e : errs) {
        if (std::find(reported_errors_.begin(), reported_errors_.end(), e) ==
            reported_errors_.end()) {
          spdlog::error("{}", e);
        }
      }
      reported_errors_ = std::move(errs);
    }
    publish_specs();
  }

  // --- desired state through gossip ----------------------------------------------------------

  // data_dir/published: `name hash` lines, what this peer last wrote as spec/<name>.
  void load_published() {
    auto t = read_file(cfg_.data_dir + "/published");
    if (!t) return;
    std::size_t pos = 0;
    while (pos < t->size()) {
      std::size_t nl = t->find('\n', pos);
      if (nl == std::string::npos) nl = t->size();
      std::string line = t->substr(pos, nl - pos);
      pos = nl + 1;
      auto sp = line.find(' ');
      if (sp != std::string::npos) published_[line.substr(0, sp)] = line.substr(sp + 1);
    }
  }
  void save_published() {
    std::string t;
    for (const auto& [n, h] : published_) t += n + " " + h + "\n";
    if (std::string e = write_file_atomic(cfg_.data_dir + "/published", t); !e.empty()) {
      spdlog::warn("cannot persist {}/published: {}", cfg_.data_dir, e);
    }
  }

  static gossip::Bytes to_bytes(const std::string& s) {
    const auto* b = reinterpret_cast<const std::byte*>(s.data());
    return gossip::Bytes(b, b + s.size());
  }

  // Renames the file holding only `name` to FILE.deleted; false when it cannot.
  bool rename_deleted(const std::string& name) {
    const std::string path = services_.file_of(name);
    if (path.empty()) return false;
    std::size_t defined = 0;
    for (const auto& sv : services_.services()) defined += services_.file_of(sv.name) == path;
    if (defined > 1) {
      spdlog::warn("service {} was deleted but {} defines other services too: edit that file",
                   name, path);
      return false;
    }
    if (std::rename(path.c_str(), (path + ".deleted").c_str()) != 0) return false;
    services_.forget(path);
    spdlog::info("delete: {} renamed to {}.deleted", path, path);
    return true;
  }

  // Applies node/peer/spec_publisher.hpp's plan: publishes changed local services as
  // spec/<name>, erases removed ones, renames the file of a service deleted cluster-wide.
  void publish_specs() {
    if (publishing_) return;
    publishing_ = true;
    std::vector<LocalSpec> local;
    for (const auto& sv : services_.services()) {
      std::string enc = encode_spec(sv);
      std::string h = content_hash(enc);
      local.push_back({sv.name, std::move(enc), std::move(h)});
    }
    const auto gone = [this](const std::string& n) { return services_.gone(n); };
    const PublishPlan plan = plan_publish(local, published_, gossip_.state(), gone);
    bool rescan = false;
    for (const auto& name : plan.rename) {
      if (!rename_deleted(name)) continue;
      published_.erase(name);
      rescan = true;
    }
    const gossip::Clock now = clock_now();
    for (const auto& sv : plan.put) {
      gossip_.put(now, "spec/" + sv.name, to_bytes(sv.encoded));
      published_[sv.name] = sv.hash;
      spdlog::info("published spec/{} ({})", sv.name, sv.hash);
    }
    for (const auto& name : plan.erase) {
      gossip_.erase(now, "spec/" + name);
      spdlog::info("service {} left {}: spec/{} erased", name, cfg_.services_dir, name);
      published_.erase(name);
    }
    if (rescan || !plan.put.empty() || !plan.erase.empty()) {
      save_published();
      state_dirty_ = specs_dirty_ = true;
      reconcile_soon();
    }
    if (rescan) services_.scan();
    publishing_ = false;
  }

  // data_dir/peers: a few live members to rejoin at the next start (node/known_peers.hpp).
  // Rewritten only when the choice changes; kept as it is while this peer sees nobody alive.
  void remember_peers() {
    if (leaving_) return;
    const auto pick = pick_known_peers(setup_.name, gossip_.members());
    if (pick.empty()) return;
    std::string text = format_known_peers(pick);
    if (text == known_peers_) return;
    if (std::string e = write_file_atomic(cfg_.data_dir + "/peers", text); !e.empty()) {
      spdlog::warn("cannot persist {}/peers: {}", cfg_.data_dir, e);
      return;
    }
    known_peers_ = std::move(text);
  }

  // A state file that does not restore is moved aside (never overwritten: it may be all that
  // is left of a cluster's desired state) and the peer starts empty, taking the cluster's state.
  void keep_damaged_state(const std::string& why) {
    const std::string path = cfg_.data_dir + "/state";
    const std::string aside =
        path + ".damaged-" + std::to_string(clock_now().wall / gossip::kSeconds);
    const bool kept = std::rename(path.c_str(), aside.c_str()) == 0;
    spdlog::error("{} is damaged ({}): {}; starting with no state and taking the cluster's", path,
                  why, kept ? "kept as " + aside : std::string("could not be moved aside"));
  }

  // The snapshot is taken here (the store is this thread's); the write and fsync happen on the
  // state writer's thread (node/state_writer.hpp), which retries a failed write itself.
  void persist_state() {
    gossip::Bytes snap = gossip_.state().snapshot();
    state_writer_.submit(encode_state_file(
        std::string_view(reinterpret_cast<const char*>(snap.data()), snap.size())));
    state_dirty_ = false;
  }

  // Every live spec/<name> of the store that passes the gate (node/spec_gate.hpp), by name.
  std::vector<config::ServiceSpec> store_specs() const {
    std::vector<InvalidSpec> fresh;
    auto out = spec_gate_.specs(gossip_.state(), &fresh);
    for (const auto& b : fresh)
      spdlog::warn("spec/{} from {} refused: {}", b.service, b.origin, b.error);
    return out;
  }

  // Placement of `specs` over the members; a service whose placement throws is left out and
  // listed in /v1/status (invalid_specs), the others are placed (placement/contained.hpp).
  placement::Assignment place_specs(const std::vector<config::ServiceSpec>& specs) const {
    ++placements_;
    const auto t0 = std::chrono::steady_clock::now();
    auto c = placement::place_contained(peer_.placement_view(specs));
    placement_seconds_.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    for (const auto& [svc, e] : c.failed)
      if (!placement_failed_.count(svc)) spdlog::error("placing {} failed: {}", svc, e);
    placement_failed_.clear();
    for (auto& [svc, e] : c.failed) placement_failed_[svc] = "placement failed: " + e;
    return std::move(c.assignment);
  }
  // place_specs memoised per (view hash, specs): the reconciler and the API share one placement.
  const placement::Assignment& placed(const std::vector<config::ServiceSpec>& specs) const {
    return placement_cache_.get(gossip_.view_hash(), specs);
  }

  // --- reconcile ------------------------------------------------------------------------------

  void reconcile_soon() {
    catalog_.maybe_changed();  // every change of members, statuses or specs comes through here
    if (reconcile_posted_ || leaving_) return;
    reconcile_posted_ = true;
    asio::post(io_, [this] {
      reconcile_posted_ = false;
      reconcile();
    });
  }

  // The executor: Runner + driver on one worker thread; reports come back through io_.
  void start_executor() {
    ExecutorOptions o;
    o.self = setup_.name;
    o.reconcile = cfg_.reconcile;
    const config::PeerConfig cfg = cfg_;
    const std::string self = setup_.name;
    if (cfg_.runtime.driver == "docker") {
      o.make_driver = [cfg, self,
                       auths = setup_.registry_auths]() -> std::unique_ptr<runtime::Driver> {
        runtime::DockerDriverOptions d;
        d.peer = self;
        d.socket = cfg.runtime.socket;  // empty: detected (and re-detected until found)
        d.timeout = kEngineTimeout;
        d.log = [](std::string_view l) { spdlog::info("driver: {}", l); };
        d.registry_auths = auths;
        d.bind_roots = cfg.runtime.bind_roots;
        d.logs_dir = cfg.data_dir + "/logs";  // ended containers' logs (`shoal logs`)
        d.log_retention = cfg.runtime.log_retention;
        return std::make_unique<runtime::DockerDriver>(std::move(d));
      };
      o.engine_socket = [](runtime::Driver& d) {
        return static_cast<runtime::DockerDriver&>(d).socket();
      };
    } else {
      o.make_driver = [cfg]() -> std::unique_ptr<runtime::Driver> {
        runtime::ProcessDriverOptions po;
        po.data_dir = cfg.data_dir;
        po.orphan_timeout = cfg.runtime.orphan_timeout;
        po.log = [](std::string_view l) { spdlog::info("driver: {}", l); };
        return std::make_unique<runtime::ProcessDriver>(std::move(po));
      };
    }
    if (driver_faults_) {
      o.make_driver = runtime::with_faults(std::move(o.make_driver), *driver_faults_,
                                           [](std::string_view l) { spdlog::warn("{}", l); });
    }
    o.log = [](std::string_view l) { spdlog::info("{}", l); };
    exec_ = std::make_unique<Executor>(
        std::move(o), [this](std::function<void()> f) { asio::post(io_, std::move(f)); },
        [this](ExecReport r) { on_report(std::move(r)); });
  }

  // Computes the inputs here (copies) and hands the step to the worker (coalesced there).
  void reconcile() {
    if (leaving_ || !exec_) return;
    const gossip::Clock now = clock_now();
    StepInputs in;
    in.services = store_specs();
    in.assignment = placed(in.services);
    in.peers = peer_.other_statuses();
    in.live_peers = peer_.live_peers();
    const StepGates gates = peer_.gates(now.mono);
    in.synced = gates.synced;
    in.alone_since = gates.alone_since;
    in.health_bad = gates.health_bad;
    if (drain_.stopping_all()) {
      // Draining, last phase: nothing is wanted here any more, so the reconciler stops every
      // local instance (grace honoured by the driver).
      in.services.clear();
      in.assignment = placement::Assignment{};
      in.synced = true;
    }
    in.seq = ++submitted_;
    exec_->submit(std::move(in));
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
    if (adopted && !leaving_ && peer_.announce_ready(clock_now(), out)) {
      spdlog::info("ready at once: {} instance(s) of a previous run still run here",
                   local_status_.instances.size());
    }
    gossip_.join(clock_now(), seeds_, out);
    flush(out);
  }

  // On the io thread: what the worker did.
  void on_report(ExecReport r) {
    if (r.stepped) stepped_ = std::max(stepped_, r.seq);
    if (r.has_status) {
      runner_counts_ = std::move(r.counts);
      for (auto& e : instance_events(local_status_, r.status, setup_.name,
                                     clock_now().wall / gossip::kMillis))
        events_.record(std::move(e));
      events_api_.maybe_changed();
      local_status_ = std::move(r.status);
      have_status_ = true;
      catalog_.maybe_changed();
      if (!leaving_ && peer_.publish_status(clock_now(), local_status_)) state_dirty_ = true;
    }
    if (!joined_ && r.has_status) join_cluster(!local_status_.instances.empty());
    if (!r.socket.empty()) runtime_socket_ = r.socket;
    const bool was = runtime_available_;
    runtime_available_ = r.available;
    runtime_error_ = r.error;
    runtime_checked_ = true;
    update_schedulable();
    if (!was && runtime_available_) reconcile_soon();
    if (r.wake_at) {
      wake_.expires_at(std::chrono::steady_clock::time_point(std::chrono::milliseconds(*r.wake_at)));
      wake_.async_wait([this](boost::system::error_code ec) {
        if (!ec) reconcile_soon();
      });
    }
  }

  // schedulable = the engine answers and we are not draining; gossiped in our metadata.
  void update_schedulable() {
    if (leaving_) return;
    const bool want = runtime_available_ && !drain_.active();
    gossip::Meta m = gossip_.members().at(setup_.name).meta;
    if (m.schedulable == want) return;
    m.schedulable = want;
    gossip::Outbox out;
    if (gossip_.set_meta(clock_now(), m, out)) {
      spdlog::info("schedulable = {}{}", want ? "true" : "false",
                   want ? "" : (drain_.active() ? " (draining)" : " (runtime unavailable)"));
    }
    flush(out);
  }

  // Local instances that still run (or are on their way up or down).
  std::size_t active_instances() const {
    std::size_t n = 0;
    for (const auto& i : local_status_.instances) {
      using S = placement::InstanceState;
      if (i.state == S::starting || i.state == S::running || i.state == S::healthy ||
          i.state == S::unhealthy || i.state == S::stopping) {
        ++n;
      }
    }
    return n;
  }

  // A copy of what this peer's Runner last reported (never the Runner itself).
  std::map<std::string, placement::PeerStatus> all_statuses() const {
    auto st = peer_.other_statuses();
    if (have_status_) st[setup_.name] = local_status_;
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
    return services_json(specs, asg, all_statuses());
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

  // The body of POST /v1/apply and /v1/plan, {"file": "NAME.toml", "content": "..."}, parsed
  // and checked (an error response, else the file name and its services as published).
  struct ApplyRequest {
    std::string file, content;
    std::vector<config::ServiceSpec> services;
  };
  std::variant<HttpResponse, ApplyRequest> parse_apply(const HttpRequest& r) const {
    Json body = Json::parse(r.body, nullptr, false);
    if (!body.is_object() || !body.contains("file") || !body["file"].is_string() ||
        !body.contains("content") || !body["content"].is_string()) {
      return error_response(400, "expected {\"file\": \"NAME.toml\", \"content\": \"...\"}");
    }
    ApplyRequest a{body["file"], body["content"], {}};
    if (!safe_service_file_name(a.file)) {
      return error_response(400, "file must be a plain NAME.toml, got `" + a.file + "`");
    }
    auto parsed = config::parse_service_file(a.content, a.file, cfg_.limits.max_replicas);
    if (!parsed.ok()) {
      Json errs = Json::array();
      for (const auto& d : parsed.errors) errs.push_back(d.to_string());
      return json_response(400, Json{{"error", "invalid service file"}, {"errors", errs}});
    }
    for (auto& sv : *parsed.value) {
      std::string other = services_.file_of(sv.name);
      if (!other.empty() && other != services_.path_of(a.file)) {
        return error_response(409, "service `" + sv.name + "` is already defined in " + other);
      }
      if (sv.placement.home) sv.home_peer = setup_.name;  // as services_dir publishes it
    }
    a.services = std::move(*parsed.value);
    return a;
  }

  // POST /v1/plan: what applying the file would change (node/peer/apply_plan.hpp), nothing
  // written.
  HttpResponse api_plan(const HttpRequest& r) const {
    auto parsed = parse_apply(r);
    if (auto* refused = std::get_if<HttpResponse>(&parsed)) return *refused;
    const auto specs = store_specs();
    const auto plan = plan_apply(peer_.placement_view(specs), placed(specs),
                                 std::get<ApplyRequest>(parsed).services);
    return json_response(200, apply_plan_json(plan));
  }

  HttpResponse api_apply(const HttpRequest& r) {
    auto parsed = parse_apply(r);
    if (auto* refused = std::get_if<HttpResponse>(&parsed)) return *refused;
    const ApplyRequest& a = std::get<ApplyRequest>(parsed);
    if (std::string e = make_dirs(services_.dir()); !e.empty()) return error_response(500, e);
    const std::string path = services_.path_of(a.file);
    if (std::string e = write_file_atomic(path, a.content, FileMode::keep); !e.empty()) {
      return error_response(500, e);
    }
    spdlog::info("apply: wrote {}", path);
    scan_services(false);
    Json names = Json::array();
    for (const auto& sv : a.services) names.push_back(sv.name);
    Json reply{{"peer", setup_.name}, {"file", path}, {"services", names}};
    const std::string warn = clock_warning(clock_ahead_ms(gossip_.state(), clock_now().wall),
                                           setup_.gossip.max_clock_skew);
    if (!warn.empty()) reply["warning"] = warn;  // written here, refused by the others for now
    return json_response(200, reply);
  }

  HttpResponse api_delete(const std::string& name) {
    const std::string path = services_.file_of(name);
    const std::string key = "spec/" + name;
    if (path.empty()) {
      if (!gossip_.state().get(key)) return error_response(404, "no service `" + name + "`");
      gossip_.erase(clock_now(), key);
      state_dirty_ = specs_dirty_ = true;
      reconcile_soon();
      spdlog::info("delete: spec/{} erased cluster-wide", name);
      return json_response(200, Json{{"peer", setup_.name}, {"deleted", name}, {"file", nullptr}});
    }
    std::size_t defined = 0;
    for (const auto& sv : services_.services()) defined += services_.file_of(sv.name) == path;
    if (defined > 1) {
      return error_response(409, path + " defines other services too: edit that file");
    }
    if (std::rename(path.c_str(), (path + ".deleted").c_str()) != 0) {
      return error_response(500, "cannot rename " + path);
    }
    services_.forget(path);
    spdlog::info("delete: {} renamed to {}.deleted", path, path);
    scan_services(false);  // publishes the tombstone
    return json_response(200, Json{{"peer", setup_.name}, {"deleted", name},
                                   {"file", path + ".deleted"}});
  }

  void on_signal(boost::system::error_code ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      spdlog::info("SIGHUP: rescanning {}", cfg_.services_dir);
      scan_services();
      if (sealer_.enabled()) {
        if (std::string e = sealer_.reload(); !e.empty()) {
          spdlog::error("SIGHUP: keyring not reloaded (the keys in use stay): {}", e);
        } else {
          spdlog::info("SIGHUP: keyring reloaded ({} keys)", sealer_.key_count());
          keys_.acknowledge(clock_now());
        }
      }
      if (!cfg_.api.token_file.empty()) {
        if (auto t = read_token_file(cfg_.api.token_file)) {
          guard_.token = std::move(*t);
          spdlog::info("SIGHUP: api token reloaded from {}", cfg_.api.token_file);
        } else {
          spdlog::warn("SIGHUP: cannot read a token from {}: keeping the previous one",
                       cfg_.api.token_file);
        }
      }
    } else if (drain_.active() || leaving_) {
      if (sig == SIGINT) {
        spdlog::warn("second interrupt: quitting at once");
        spdlog::default_logger()->flush();
        std::_Exit(0);
      }
    } else {
      start_drain(sig == SIGTERM ? "SIGTERM" : "SIGINT");
    }
    signals_.async_wait([this](boost::system::error_code e, int s) { on_signal(e, s); });
  }

  // --- drain (SIGTERM / SIGINT): node/peer/drain.hpp decides, this acts ----------------------

  bool others_alive() const {
    for (const auto& [n, m] : gossip_.members()) {
      if (n != setup_.name && (m.state == gossip::MemberState::alive ||
                               m.state == gossip::MemberState::suspect)) {
        return true;
      }
    }
    return false;
  }

  DrainView drain_view() const {
    DrainView v;
    v.now = clock_now().mono / 1000;
    v.others_alive = others_alive();
    v.runtime_down = runtime_checked_ && !runtime_available_;
    v.have_status = have_status_;
    v.submitted = submitted_;
    v.stepped = stepped_;
    v.active = active_instances();
    v.local = local_status_.instances.size();
    if (drain_.phase() == Drain::Phase::handoff) {
      for (const auto& sp : store_specs())
        v.max_stop_grace = std::max(v.max_stop_grace, sp.stop_grace);
    }
    return v;
  }

  void start_drain(const char* why) {
    drain_.start(drain_view(), cfg_.reconcile.handoff_timeout);
    spdlog::info("{}: draining: schedulable cleared; waiting up to {} ms for {} local instance(s) "
                 "to run elsewhere",
                 why, drain_.handoff_bound(), active_instances());
    update_schedulable();
    reconcile_soon();
    check_drain();
  }

  void check_drain() {
    for (const auto& note : drain_.advance(drain_view())) {
      if (note.warning) spdlog::warn("drain: {}", note.text);
      else spdlog::info("drain: {}", note.text);
    }
    if (drain_.phase() == Drain::Phase::done) {
      leave();
      return;
    }
    if (drain_.phase() == Drain::Phase::stopping) reconcile_soon();  // polls the stops' ends
    drain_timer_.expires_after(std::chrono::milliseconds(200));
    drain_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) check_drain();
    });
  }

  void leave() {
    leaving_ = true;
    spdlog::info("leaving the cluster");
    gossip::Outbox out;
    leave_start_ = clock_now().mono;
    gossip_.leave(clock_now(), out);
    flush(out);
    check_leave();
  }

  void check_leave() {
    const Micros now = clock_now().mono;
    const Micros waited = now - leave_start_;
    const bool drained = gossip_.pending_broadcasts() == 0 &&
                         waited >= 2 * setup_.gossip.gossip_interval;
    if (drained || waited >= kLeaveBound || !others_alive()) {
      shutdown();
      return;
    }
    leave_timer_.expires_after(std::chrono::milliseconds(50));
    leave_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) check_leave();
    });
  }

  void shutdown() {
    boost::system::error_code ignore;
    udp_.close(ignore);
    stream_.stop();
    if (api_) api_->close();
    if (api_unix_) api_unix_->close();
    catalog_.close();
    events_api_.close();
    logs_api_.close();
    if (dns_) dns_->close();
    wake_.cancel();
    drain_timer_.cancel();
    heartbeat_.cancel();
    io_.stop();
  }

  // --- API -----------------------------------------------------------------------------------

  HttpResponse handle_api(const HttpRequest& r) {
    HttpResponse out = route_api(r);
    api_counts_.count(r.method, r.target.substr(0, r.target.find('?')), out.status);
    return out;
  }

  HttpResponse route_api(const HttpRequest& r) {
    std::string path = r.target.substr(0, r.target.find('?'));
    if (auto refused = check_api_request(r, guard_)) {
      return error_response(refused->status, refused->message);
    }
    if (r.method == "GET" && path == "/v1/members") {
      return json_response(200, members_json(gossip_.members()));
    }
    if (r.method == "GET" && path == "/v1/status") return json_response(200, status_json());
    if (r.method == "GET" && path == "/v1/services") return json_response(200, services_view());
    if (r.method == "GET" && path == "/v1/ps") return json_response(200, ps_view());
    if (r.method == "GET" && path == "/v1/what-if") return what_if_view(r.target);
    if (r.method == "GET" && path == "/metrics") {
      return {200, render_metrics(metrics_snapshot()), std::string(kMetricsContentType)};
    }
    if (r.method == "GET" && path.rfind("/v1/catalog/", 0) == 0) return catalog_.get(r);
    if (r.method == "GET" && path == "/v1/events") return events_api_.get(r);
    if (r.method == "GET" && path == "/v1/logs") return logs_api_.get(r);
    if (r.method == "POST" && path == "/v1/apply") return api_apply(r);
    if (r.method == "POST" && path == "/v1/plan") return api_plan(r);
    if (path == "/v1/keys" && (r.method == "GET" || r.method == "POST")) {
      auto reply = r.method == "GET" ? keys_.view() : keys_.apply(clock_now(), r.body);
      return json_response(reply.status, reply.body);
    }
    if (r.method == "DELETE" && path.rfind("/v1/services/", 0) == 0) {
      return api_delete(path.substr(13));
    }
    return error_response(404, "no such endpoint: " + r.method + " " + path);
  }

  // Services defined in our services_dir whose cluster-wide spec is another peer's different
  // edit (the newer edit wins, DESIGN "Service file"): [{"service","file","origins","in_force"}],
  // origins being this peer and in_force, the peer whose version is in force.
  Json name_conflicts() const {
    Json out = Json::array();
    for (const auto& sv : services_.services()) {
      const gossip::Entry* e = gossip_.state().find("spec/" + sv.name);
      if (!e || e->deleted || e->version.origin == setup_.name) continue;
      const std::string mine = encode_spec(sv);
      if (std::string_view(reinterpret_cast<const char*>(e->value.data()), e->value.size()) ==
          mine) {
        continue;
      }
      out.push_back(Json{{"service", sv.name},
                         {"file", services_.file_of(sv.name)},
                         {"origins", Json::array({setup_.name, e->version.origin})},
                         {"in_force", e->version.origin}});
    }
    return out;
  }

  Json local_names() const {
    Json names = Json::array();
    for (const auto& sv : services_.services()) names.push_back(sv.name);
    return names;
  }

  Json status_json() const {
    const auto& ms = gossip_.members();
    int alive = 0, ready = 0;
    for (const auto& [n, m] : ms) {
      if (m.state == gossip::MemberState::alive) ++alive;
      if (m.meta.ready && (m.state == gossip::MemberState::alive ||
                           m.state == gossip::MemberState::suspect)) {
        ++ready;
      }
    }
    Json unschedulable = Json::array();  // live members that placement skips for it
    for (const auto& [n, m] : ms) {
      if (!m.meta.schedulable && (m.state == gossip::MemberState::alive ||
                                  m.state == gossip::MemberState::suspect)) {
        unschedulable.push_back(n);
      }
    }
    const auto& st = gossip_.stats();
    const std::int64_t ahead_ms = clock_ahead_ms(gossip_.state(), clock_now().wall);
    const std::string clock_warn = clock_warning(ahead_ms, setup_.gossip.max_clock_skew);
    Json j{{"name", setup_.name},
           {"view_hash", gossip_.view_hash_hex()},
           {"members", ms.size()},
           {"alive", alive},
           {"ready", ready},
           {"self_ready", peer_.readiness().ready()},
           {"addr", setup_.advertise.to_string()},
           {"api_socket", cfg_.api.socket},
           {"incarnation", gossip_.incarnation()},
           {"synced", peer_.readiness().synced()},
           {"leaving", leaving_},
           {"draining", drain_.active()},
           {"schedulable", ms.at(setup_.name).meta.schedulable},
           {"runtime", runtime_json()},
           {"unschedulable", unschedulable},
           {"local_health", gossip_.local_health()},
           {"profile", setup_.gossip.profile},
           {"sealed", sealer_.enabled()},
           {"uptime_ms", (clock_now().mono - start_.mono) / 1000},
           {"errors", services_.errors()},
           {"conflicts", name_conflicts()},
           {"invalid_specs", invalid_specs_json()},
           {"local_services", local_names()},
           {"foreign_instances", foreign_},
           {"clock_ahead_ms", ahead_ms},
           {"clock_warning", clock_warn.empty() ? Json() : Json(clock_warn)},
           {"stats",
            {{"packets_in", st.packets_in},
             {"packets_dropped", dropped_},
             {"packets_malformed", st.packets_malformed},
             {"packets_unauthenticated", sealer_.rejected()},
             {"packets_replayed", sealer_.replayed()},
             {"datagrams_out", st.datagrams_out},
             {"probes", st.probes},
             {"probes_failed", st.probes_failed},
             {"push_pulls", st.push_pulls},
             {"members_capped", st.members_capped},
             {"specs_refused", spec_gate_.refused()},
             {"placements", placements_},
             {"handler_errors", handler_errors_},
             {"catalog_held", catalog_.held()},  // blocking queries held now
             {"events_held", events_api_.held()},
             {"push_pulls_limited", st.push_pulls_limited},
             {"stream_only_dropped", st.stream_only_dropped},
             {"stream", stream_json()},
             {"state", state_stats_json(gossip_.state())}}}};
    return j;
  }

  // What GET /metrics shows (node/metrics.hpp): copies of the counters /v1/status shows, and more.
  MetricsSnapshot metrics_snapshot() const {
    MetricsSnapshot m;
    m.peer = setup_.name;
    m.version = version();
    m.profile = setup_.gossip.profile;
    m.uptime_seconds = static_cast<double>(clock_now().mono - start_.mono) / 1e6;
    for (const auto& [n, mb] : gossip_.members()) ++m.members[std::string(to_string(mb.state))];
    m.gossip = gossip_.stats();
    m.packets_dropped = dropped_;
    m.packets_unauthenticated = sealer_.rejected();
    m.packets_replayed = sealer_.replayed();
    m.pending_broadcasts = gossip_.pending_broadcasts();
    m.pending_deltas = gossip_.state().pending_deltas();
    m.pending_oversized = gossip_.state().pending_oversized();
    const auto& ss = stream_.stats();
    m.stream_accepted = ss.accepted;
    m.stream_refused = ss.refused_total + ss.refused_per_source;
    m.stream_unauthenticated = ss.unauthenticated;
    m.stream_timed_out = ss.timed_out;
    for (const auto& [k, e] : gossip_.state().entries()) {
      ++(e.deleted ? m.keys_deleted : m.keys_live);
    }
    m.state = gossip_.state().stats();
    m.graves = gossip_.state().graves();
    m.specs_refused = spec_gate_.refused();
    for (const auto& p : placed(store_specs()).instances) m.unplaced[p.id.service] += !p.owner;
    m.placements = placements_;
    m.placement_seconds = placement_seconds_;
    for (const auto& i : local_status_.instances) {
      ++m.instances[std::string(placement::to_string(i.state))];
    }
    m.runner = runner_counts_;
    m.api = api_counts_;
    m.catalog_held = catalog_.held();
    m.handler_errors = handler_errors_;
    m.dns = dns_ != nullptr;
    if (dns_) m.dns_stats = dns_->stats();
    return m;
  }

  Json stream_json() const {
    const auto& s = stream_.stats();
    return Json{{"inbound", stream_.inbound()},        {"accepted", s.accepted},
                {"refused_total", s.refused_total},    {"refused_per_source", s.refused_per_source},
                {"frames_refused", s.frames_refused},  {"unauthenticated", s.unauthenticated},
                {"timed_out", s.timed_out},            {"overflowed", s.overflowed},
                {"replies_dropped", s.replies_dropped}, {"accept_errors", s.accept_errors}};
  }

  Json invalid_specs_json() const {
    store_specs();  // refreshes the gate's list
    Json out = Json::array();
    for (const auto& b : spec_gate_.invalid())
      out.push_back(Json{{"service", b.service}, {"origin", b.origin}, {"error", b.error}});
    for (const auto& [svc, e] : placement_failed_)
      out.push_back(Json{{"service", svc}, {"origin", nullptr}, {"error", e}});
    return out;
  }

  Json runtime_json() const {
    Json r{{"driver", cfg_.runtime.driver}, {"available", runtime_available_}};
    if (cfg_.runtime.driver == "docker") r["socket"] = runtime_socket_;
    if (!runtime_available_) r["error"] = runtime_error_;
    r["checked"] = runtime_checked_;
    return r;
  }

  asio::io_context io_;
  config::PeerConfig cfg_;
  AgentSetup setup_;
  Peer peer_;  // the gossip engine and this peer's decisions over it (node/peer/peer.hpp)
  gossip::Engine& gossip_ = peer_.engine();
  Sealer sealer_;
  KeyringSync keys_{gossip_, sealer_};
  ApiGuard guard_;  // who may call the API (token swapped on SIGHUP)
  ServicesDir services_;
  std::vector<std::string> reported_errors_;
  udp::socket udp_;
  StreamTransport stream_;
  asio::steady_timer tick_;
  asio::steady_timer house_;
  asio::steady_timer leave_timer_;
  asio::steady_timer wake_;         // the Runner's next wake time
  asio::steady_timer drain_timer_;
  asio::steady_timer join_timer_;   // bounds the wait for the executor's first report
  asio::steady_timer heartbeat_;    // the orphan heartbeat, from this thread
  std::unique_ptr<runtime::WatchdogKeeper> watchdog_;  // docker driver only
  std::vector<gossip::Address> seeds_;
  std::string known_peers_;  // what data_dir/peers holds
  bool joined_ = false;
  ReadyNotice ready_notice_;  // takes $NOTIFY_SOCKET (unsetenv): before any thread starts
  asio::signal_set signals_;
  std::unique_ptr<HttpServer> api_;
  std::unique_ptr<HttpServer> api_unix_;
  std::unique_ptr<DnsServer> dns_;
  SeedResolver seed_resolver_{io_, [](const std::string& m) { spdlog::warn("{}", m); }};
  std::uint64_t handler_errors_ = 0;  // exceptions contained by run_io
  mutable SpecGate spec_gate_{config::SpecLimits{cfg_.limits.max_replicas}};  // refuses invalid gossiped specs; lists them for /v1/status
  mutable std::map<std::string, std::string> placement_failed_;  // service -> why
  mutable PlacementCache placement_cache_{[this](const auto& s) { return place_specs(s); }};
  mutable std::uint64_t placements_ = 0;  // place_specs runs (/v1/status stats.placements)
  mutable Histogram placement_seconds_{placement_buckets()};  // place_specs' duration (/metrics)
  ApiCounts api_counts_;  // API requests by method, route class, status class (/metrics)
  RunnerCounts runner_counts_;  // the Runner's starts and stops, from its last report (/metrics)
  std::array<std::byte, 65536> rbuf_{};
  udp::endpoint rfrom_;
  gossip::Clock start_;
  std::uint64_t persisted_incarnation_ = 0;
  std::uint64_t dropped_ = 0;
  bool leaving_ = false;
  Micros leave_start_ = 0;
  std::unique_ptr<Executor> exec_;
  placement::PeerStatus local_status_;  // the Runner's last report (a copy)
  bool have_status_ = false;
  bool runtime_available_ = true;
  bool runtime_checked_ = false;
  std::string runtime_error_;
  Json foreign_ = Json::array();
  std::optional<runtime::DriverFaults> driver_faults_;  // tests only: SHOAL_TEST_DRIVER_FAULTS
  std::string runtime_socket_;
  Drain drain_;
  std::uint64_t submitted_ = 0;  // seq of the last inputs handed to the executor
  std::uint64_t stepped_ = 0;    // highest seq the executor reported stepped
  std::map<std::string, std::string> published_;  // service -> hash of the spec we published
  bool state_dirty_ = false;
  StateWriter state_writer_{cfg_.data_dir + "/state", [](const std::string& e) {
                              spdlog::warn("cannot persist the replicated state: {}", e);
                            }};
  bool specs_dirty_ = false;
  bool publishing_ = false;
  bool reconcile_posted_ = false;
  // services_dir changes wake a scan at once; the 1 s timed scan stays (node/dir_watch.hpp).
  DirWatch watch_{io_, services_.dir(), [this] { scan_services(false); }};
  EventLog events_;
  EventsApi events_api_{io_, setup_.name, events_};  // GET /v1/events
  LogsApi logs_api_{  // GET /v1/logs, and logs frames on the stream channel (node/logs_api.hpp)
      io_,
      [this] { return LocalLogsSetup{setup_.name, cfg_.data_dir, cfg_.runtime.driver, runtime_socket_}; },
      [this](const std::string& s, std::optional<int> i) {
        return log_owners(gossip_.members(), all_statuses(), s, i);
      },
      [this](const std::string& n) { return live_member(gossip_.members(), n); },
      [this](const gossip::Address& to, gossip::Bytes b, bool reply) {
        gossip::Datagram d{to, gossip::Channel::stream, std::move(b), reply};
        send(d);
      },
      [] { return clock_now().wall / gossip::kMillis; }};
  // GET /v1/catalog/<service> and its held blocking queries (node/catalog_api.hpp).
  CatalogApi catalog_{io_, [this](const std::string& service) {
                        return catalog_answer(service, gossip_.members(), all_statuses(),
                                              store_specs());
                      }};
};

}  // namespace

int run_agent(const AgentOptions& opts, std::ostream& err) {
  auto logger = spdlog::get("shoal");
  if (!logger) logger = spdlog::stderr_color_mt("shoal");
  spdlog::set_default_logger(logger);
  auto formatter = make_log_formatter(opts.log_format);
  if (!formatter) {
    err << "shoal agent: --log-format: unknown format `" << opts.log_format << "` (text, json)\n";
    return 2;
  }
  spdlog::set_formatter(std::move(formatter));
  auto level = spdlog::level::from_str(opts.log_level);
  if (level == spdlog::level::off && opts.log_level != "off") {
    err << "shoal agent: --log-level: unknown level `" << opts.log_level
        << "` (trace, debug, info, warn, error, off)\n";
    return 2;
  }
  spdlog::set_level(level);
  // Many peers, many connections: the soft limit of open files up to the hard one.
  spdlog::debug("open files: at most {}", raise_fd_limit());
  if (sodium_init() < 0) {
    err << "shoal agent: libsodium failed to initialise\n";
    return 1;
  }

  auto faults = runtime::driver_faults_from_env();  // a test knob, read once
  if (!faults.ok()) {
    err << "shoal agent: " << runtime::kDriverFaultsEnv << ": " << faults.error().message << "\n";
    return 2;
  }
  if (faults.value()) {
    spdlog::warn("{} is set: this agent's driver fails calls on purpose (a test knob, never for "
                 "production): seed={} every={} slow_ms={}",
                 runtime::kDriverFaultsEnv, faults.value()->seed, faults.value()->every,
                 faults.value()->slow_ms);
  }
  auto text = read_file(opts.config_path);
  if (!text) {
    err << opts.config_path << ":0:0: cannot read file\n";
    return 2;
  }
  auto parsed = config::parse_peer_file(*text, opts.config_path);
  if (!parsed.ok()) {
    for (const auto& d : parsed.errors) err << d.to_string() << "\n";
    return 2;
  }
  config::PeerConfig cfg = std::move(*parsed.value);
  HostFacts facts{host_name(), host_cpu_milli(), host_memory_mib(), first_non_loopback_ipv4()};
  AgentSetup setup = resolve_setup(cfg, facts);
  if (!setup.error.empty()) {
    err << opts.config_path << ":0:0: " << setup.error << "\n";
    return 2;
  }
  if (std::string e = resolve_advertise(setup.advertise.host); !e.empty()) {
    err << opts.config_path << ":0:0: " << e << "\n";
    return 2;
  }
  std::string dir_warning;
  if (std::string e = make_private_dir(cfg.data_dir, dir_warning); !e.empty()) {
    err << "shoal agent: data_dir: " << e << "\n";
    return 1;
  }
  if (!dir_warning.empty()) spdlog::warn("data_dir: {}", dir_warning);
  std::vector<runtime::Instance> foreign;  // labelled for another name: reported, not managed
  if (int rc = settle_identity(cfg, setup.name, opts.rename, err, foreign); rc != 0) return rc;
  for (const auto& [what, path] : {std::pair{"security.keyring", cfg.security.keyring},
                                   std::pair{"api.token_file", cfg.api.token_file}}) {
    if (std::string w = loose_mode_warning(path, what); !path.empty() && !w.empty()) {
      spdlog::warn("{}", w);
    }
  }
  std::uint64_t incarnation = 0;
  if (auto inc = read_file(cfg.data_dir + "/incarnation")) {
    try {
      incarnation = std::stoull(*inc);
    } catch (const std::exception&) {
      spdlog::warn("{}/incarnation is unreadable: starting from 0", cfg.data_dir);
    }
  }
  Sealer sealer;
  if (int rc = setup_sealer(cfg, setup.advertise, setup.bind, sealer, err); rc != 0) return rc;
  // Replay window: the clock skew the store tolerates between peers, plus 5 s of transit.
  sealer.set_window(setup.gossip.max_clock_skew / gossip::kMillis + 5000);
  std::string token;
  if (!cfg.api.token_file.empty()) {
    auto t = read_token_file(cfg.api.token_file);
    if (!t) {
      err << "shoal agent: api.token_file: cannot read a token from " << cfg.api.token_file
          << "\n";
      return 1;
    }
    token = std::move(*t);
  }
  if (!cfg.runtime.registry_auth.empty()) {
    auto auths = runtime::load_registry_auth(cfg.runtime.registry_auth);
    if (!auths) {
      err << "shoal agent: runtime.registry_auth: " << auths.error().message << "\n";
      return 1;
    }
    setup.registry_auths = std::move(auths.value());
  }
  if (cfg.api.socket.empty()) cfg.api.socket = cfg.data_dir + "/api.sock";
  cfg.api.socket = std::filesystem::absolute(cfg.api.socket).lexically_normal().string();
  if (std::string w = socket_reach_warning(cfg.api.socket, cfg.api.socket_group); !w.empty()) {
    spdlog::warn("{}", w);
  }
  auto agent = std::make_unique<Agent>(cfg, setup, incarnation, std::move(sealer), token);
  agent->set_foreign(foreign);
  agent->set_driver_faults(faults.value());
  if (std::string e = agent->open(); !e.empty()) {
    err << "shoal agent: " << e << "\n";
    return 1;
  }
  return agent->run();
}

}  // namespace shoal::node
