// A test fixture for multi-process tests: N `shoal agent` processes on loopback with ports no
// other test process is handed (free_port) and a temporary folder of their own; the destructor
// kills (SIGKILL, by PID) everything it started, including the instances (supervisors and
// process groups) the peers' process drivers started.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <ostream>

#include "node/runtime/instance_record.hpp"

namespace shoal::test {

// The peer file line of the fast gossip profile with a 1 s join grace, as most tests run.
inline const std::string kFastGossip = "gossip = { profile = \"fast\", join_grace = \"1s\" }\n";

struct PeerProc {
  std::string name;
  std::string host = "127.0.0.1";  // gossip bind = advertise address (set_host)
  std::uint16_t gossip_port = 0;
  std::uint16_t api_port = 0;
  std::string dir;     // data_dir is dir/data, services_dir dir/services
  std::string config;  // the peer file
  std::string log;     // stderr of the agent
  pid_t pid = -1;
};

class Cluster {
 public:
  // `extra` is appended to every peer file (e.g. gossip settings).
  Cluster(int n, std::string extra = "gossip = { profile = \"fast\", join_grace = \"1s\" }\n");
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  void start(int i, const std::vector<std::string>& flags = {});  // (re)starts peer i
  void set_extra(int i, const std::string& extra);  // rewrites peer i's file with `extra`
  void kill9(int i);          // SIGKILL + reap
  // The process driver's instance records under peer i's data_dir (running and exited).
  std::vector<runtime::InstanceRecord> instances(int i);
  // SIGKILL to the supervisors and instance process groups of peer i's records whose
  // processes still are the ones recorded (/proc start time), and its docker orphan watchdog
  // (by the PID its lock records); what a host death takes away.
  void kill_instances(int i);
  int terminate(int i);       // SIGTERM, wait (<= 45 s: the peer drains); exit status or -1
  // Waits (bounded) for peer i to exit by itself: its exit status, or -1 (still running).
  int wait_exit(int i, std::chrono::milliseconds limit);
  PeerProc& peer(int i) { return peers_[i]; }
  // What a failed test needs to be understood: per peer, its pid and whether it runs, the
  // tail of its log, and its `ps` (diagnose.cpp writes it for every live cluster).
  void diagnose(std::ostream& out);
  // Every cluster alive now (the failure listener reads it).
  static const std::vector<Cluster*>& live();
  int size() const { return static_cast<int>(peers_.size()); }

  // GET on peer i's API; nullopt when unreachable.
  std::optional<nlohmann::json> get(int i, const std::string& path);
  // Runs the `shoal` CLI; returns (exit code, stdout).
  std::pair<int, std::string> cli(const std::vector<std::string>& args);
  // State of `who` in peer i's member list ("" if unknown/unreachable).
  std::string state_seen(int i, const std::string& who);

  const std::string& root() const { return root_; }
  // The cluster key: a copy of it per peer (keyring_of) is what every peer file names unless
  // its `extra` has a security table of its own.
  const std::string& keyring() const { return keyring_; }
  std::string keyring_of(int i) const { return peers_[i].dir + "/keyring"; }

 private:
  std::string root_;
  std::string keyring_;
  std::vector<PeerProc> peers_;

 public:
  // Renames peer i (before start; then rewrite its file with set_extra): tests sharing a
  // container engine need peer names of their own.
  void set_name(int i, const std::string& name);
  // Gives peer i its own loopback address (e.g. 127.0.0.11) for gossip, so its advertise
  // address differs from every other peer's (before start; then rewrite its file with
  // set_extra). The API stays on 127.0.0.1.
  void set_host(int i, const std::string& host);
};

// Polls `cond` every 50 ms until it holds or `limit` passes; returns whether it held.
bool wait_until(std::chrono::milliseconds limit, const std::function<bool()>& cond);

// Whether the record's instance process is still the one recorded (pid + /proc start time).
bool instance_alive(const runtime::InstanceRecord& r);

// For tests that measure an agent's memory: the agents started from now on get a 1 MiB ASan
// quarantine (the default 256 MiB keeps freed memory resident, so RSS would show ASan's
// quarantine, not what the agent holds). No effect on a build without ASan.
void small_asan_quarantine();

// A port free for both TCP and UDP on 127.0.0.1, which no other test process is handed while
// this one runs, and which no port-0 bind or outgoing connection can take before the agent
// binds it (ports.cpp).
std::uint16_t free_port();


// ---- Helpers for the peer's end-to-end tests (issue 6). ----

// "127.0.0.1:<api port>" of peer i, for the CLI's --api.
std::string api_addr(Cluster& c, int i);

// `shoal ps --json` on peer i; a null json when the command failed.
nlohmann::json ps_json(Cluster& c, int i);

// (service, index) -> peer name of every `running` instance in a `ps` array; nullopt when the
// array is not one, or an instance of `svc` ("" = any) is not running or has no peer.
std::optional<std::map<std::pair<std::string, int>, std::string>> running_map(
    const nlohmann::json& ps, const std::string& svc = "");

// Live instance processes (instance_alive) of `svc` over the given peers' process-driver
// records: index -> the names of the peers whose records hold a live one.
std::map<int, std::vector<std::string>> live_owners(Cluster& c, const std::vector<int>& peers,
                                                      const std::string& svc);
// The spec hashes of `svc`'s live instance processes over those peers, one per instance.
std::multiset<std::string> live_spec_hashes(Cluster& c, const std::vector<int>& peers,
                                            const std::string& svc);

// Whether every peer of `who` (that was started) sees every peer of `whom` alive.
bool see_all_alive(Cluster& c, const std::vector<int>& who, const std::vector<int>& whom);

// Whether every peer of `who` reports `ready` == n in /v1/status.
bool all_ready(Cluster& c, const std::vector<int>& who, int n);

// {0, 1, ..., n-1}.
std::vector<int> peers_upto(int n);

// Sends `sig` to peer i's agent process (SIGSTOP / SIGCONT for a frozen host).
void signal_peer(Cluster& c, int i, int sig);

// The whole text of a file ("" when it cannot be read).
std::string read_text(const std::string& path);

// Starts peer 0, then the others, and waits (bounded) until every peer sees all alive and
// ready; false when that did not happen in time.
bool start_all_ready(Cluster& c);

// When `ps` on every peer of `who` lists exactly n instances of `svc`, all running, each on a
// peer named in `on` (empty = anywhere), and they all agree: index -> peer; else nullopt.
std::optional<std::map<int, std::string>> agreed_running(Cluster& c, const std::vector<int>& who,
                                                         const std::string& svc, int n,
                                                         const std::vector<int>& on = {});

// Whether `live` (live_owners) holds exactly the indexes 0..n-1, each running once.
bool once_each(const std::map<int, std::vector<std::string>>& live, int n);

// Rewrites peer i's file as set_extra does, but with the gossip addresses of `join` as its
// seeds (e.g. so that peer 0, the usual seed, finds the others again after a restart).
void set_join(Cluster& c, int i, const std::vector<int>& join,
              const std::string& extra = kFastGossip);

// Whether peer i's `ps` shows exactly `n` instances of `svc`, all running, each on a peer of
// `allowed`.
bool all_running(Cluster& c, int i, const std::string& svc, int n,
                 const std::set<std::string>& allowed);

// A new cluster key from `shoal keygen` (throws when it fails).
std::string keygen(Cluster& c);

inline double secs_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace shoal::test
