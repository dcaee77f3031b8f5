#include "node/rename_takeover.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "node/peer_identity.hpp"
#include "node/runtime/docker_driver.hpp"
#include "node/runtime/process_driver.hpp"

namespace shoal::node {

namespace {

constexpr config::Millis kTakeoverTimeout = 5000;  // docker: per engine request, as the agent's

std::vector<std::string> listed_ids(runtime::Driver& d, const std::string& peer) {
  std::vector<std::string> ids;
  for (const auto& i : d.list())
    if (i.labels.peer == peer) ids.push_back(i.id);
  return ids;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// Polls until every id of `pending` has ended or `until`: an id ends when poll() reports its
// exit (which also reaps it, or removes its container), or, once `forced`, when list() no
// longer has it. Not being listed is not enough before that: the docker driver lists only
// `running` containers, so a `stopping` one would be taken for gone and never removed.
void wait_ended(runtime::Driver& d, const std::string& peer, std::set<std::string>& pending,
                bool forced, config::Millis until, const TakeoverOptions& opt) {
  for (;;) {
    for (const auto& e : d.poll()) pending.erase(e.id);
    if (forced) {
      const auto listed = listed_ids(d, peer);
      std::erase_if(pending, [&](const std::string& id) {
        return std::find(listed.begin(), listed.end(), id) == listed.end();
      });
    }
    if (pending.empty() || opt.now() >= until) return;
    opt.sleep(opt.poll_every);
  }
}

}  // namespace

TakeoverResult take_over(runtime::Driver& driver, const std::string& old_name,
                         const TakeoverOptions& opt) {
  auto say = [&opt](const std::string& l) {
    if (opt.log) opt.log(l);
  };
  TakeoverResult r;
  const auto ids = listed_ids(driver, old_name);
  if (ids.empty()) return r;
  const config::Millis t0 = opt.now();
  for (const auto& id : ids) {
    if (auto s = driver.stop(id, opt.grace); !s) say("stop " + id + ": " + s.error().message);
  }
  std::set<std::string> pending(ids.begin(), ids.end());
  wait_ended(driver, old_name, pending, false, t0 + opt.grace + opt.force_after, opt);
  if (!pending.empty()) {
    say("still running past the grace, forced: " +
        joined(std::vector<std::string>(pending.begin(), pending.end())));
    for (const auto& id : pending) {
      if (auto s = driver.force_stop(id); !s) say("force " + id + ": " + s.error().message);
    }
    wait_ended(driver, old_name, pending, true, opt.now() + opt.give_up_after, opt);
  }
  const std::vector<std::string> left(pending.begin(), pending.end());
  for (const auto& id : ids)
    if (std::find(left.begin(), left.end(), id) == left.end()) r.stopped.push_back(id);
  r.left = left;
  if (!left.empty()) {
    r.error = "the instances of `" + old_name + "` did not end when stopped and forced: " +
              joined(left);
  }
  return r;
}

std::vector<runtime::Instance> foreign_instances(const std::vector<runtime::Instance>& listed,
                                                 const std::string& self) {
  std::vector<runtime::Instance> out;
  for (const auto& i : listed)
    if (i.labels.peer != self) out.push_back(i);
  return out;
}

namespace {

std::unique_ptr<runtime::Driver> make_driver(const config::PeerConfig& cfg,
                                             const std::string& label) {
  auto log = [](std::string_view l) { spdlog::info("driver: {}", l); };
  if (cfg.runtime.driver == "docker") {
    runtime::DockerDriverOptions d;
    d.peer = label;  // the docker driver lists and reaps only this label
    d.socket = cfg.runtime.socket;
    d.timeout = kTakeoverTimeout;
    d.log = log;
    return std::make_unique<runtime::DockerDriver>(std::move(d));
  }
  runtime::ProcessDriverOptions po;
  po.data_dir = cfg.data_dir;
  po.orphan_timeout = cfg.runtime.orphan_timeout;
  po.log = log;
  return std::make_unique<runtime::ProcessDriver>(std::move(po));
}

TakeoverOptions real_clock() {
  TakeoverOptions o;
  o.now = [] {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
  };
  o.sleep = [](config::Millis ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); };
  o.log = [](const std::string& l) { spdlog::warn("rename: {}", l); };
  return o;
}

// --rename from `old`: 0, or 1 after a message (nothing recorded: the next --rename retries).
int take_over_old(const config::PeerConfig& cfg, const std::string& old, const std::string& name,
                  std::ostream& err) {
  auto driver = make_driver(cfg, old);
  if (auto a = driver->available(); !a) {
    err << "shoal agent: --rename: cannot take over the instances of `" << old
        << "`: the container engine is unavailable (" << a.error().message
        << "); nothing was changed, start with --rename again once it answers\n";
    return 1;
  }
  TakeoverOptions opt = real_clock();
  // The peer's own instances (process driver) must not take the wait for an orphaned peer.
  opt.sleep = [&driver, sleep = opt.sleep](config::Millis ms) {
    driver->heartbeat();
    sleep(ms);
  };
  TakeoverResult r = take_over(*driver, old, opt);
  if (!r.error.empty()) {
    err << "shoal agent: --rename: " << r.error << "; " << name_file_path(cfg.data_dir)
        << " still says `" << old << "`: stop them, then start with --rename again\n";
    return 1;
  }
  spdlog::info("renamed `{}` -> `{}`: stopped {} instance(s) of `{}`{}; placement starts them "
               "afresh as `{}`",
               old, name, r.stopped.size(), old, r.stopped.empty() ? "" : " (" + joined(r.stopped) + ")",
               name);
  return 0;
}

}  // namespace

int settle_identity(const config::PeerConfig& cfg, const std::string& name, bool rename,
                    std::ostream& err, std::vector<runtime::Instance>& foreign) {
  const std::string path = name_file_path(cfg.data_dir);
  const IdentityDecision d = decide_identity(read_name_file(path), path, name, rename);
  if (!d.error.empty()) {
    err << "shoal agent: " << d.error << "\n";
    return 1;
  }
  if (d.old_name) {
    if (int rc = take_over_old(cfg, *d.old_name, name, err); rc != 0) return rc;
  }
  if (d.write) {
    if (std::string e = write_name_file(path, name); !e.empty()) {
      err << "shoal agent: cannot record the peer's name in " << path << ": " << e << "\n";
      return 1;
    }
  }
  if (!d.note.empty() && !d.old_name) spdlog::info("{}", d.note);  // a rename said more above
  if (cfg.runtime.driver == "docker") return 0;  // lists its own label only (see the header)
  foreign = foreign_instances(make_driver(cfg, name)->list(), name);
  for (const auto& i : foreign) {
    spdlog::warn("foreign instance {} ({}/{}, pid {}) is labelled for peer `{}`, not `{}`: this "
                 "peer neither adopts nor stops it; if nothing should run it, stop it with "
                 "`kill -TERM -{}`",
                 i.id, i.labels.service, i.labels.index, i.pid, i.labels.peer, name, i.pid);
  }
  return 0;
}

}  // namespace shoal::node
