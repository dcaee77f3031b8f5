// A test fixture for multi-process tests: N `shoal agent` processes on loopback with ephemeral
// ports and a temporary folder; the destructor kills (SIGKILL, by PID) everything it started,
// including the instances (supervisors and process groups) the peers' process drivers started.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "node/runtime/instance_record.hpp"

namespace shoal::test {

struct PeerProc {
  std::string name;
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

  void start(int i);          // (re)starts peer i
  void set_extra(int i, const std::string& extra);  // rewrites peer i's file with `extra`
  void kill9(int i);          // SIGKILL + reap
  // The process driver's instance records under peer i's data_dir (running and exited).
  std::vector<runtime::InstanceRecord> instances(int i);
  // SIGKILL to the supervisors and instance process groups of peer i's records whose
  // processes still are the ones recorded (/proc start time); what a host death takes away.
  void kill_instances(int i);
  int terminate(int i);       // SIGTERM, wait (<= 45 s: the peer drains); exit status or -1
  PeerProc& peer(int i) { return peers_[i]; }
  int size() const { return static_cast<int>(peers_.size()); }

  // GET on peer i's API; nullopt when unreachable.
  std::optional<nlohmann::json> get(int i, const std::string& path);
  // Runs the `shoal` CLI; returns (exit code, stdout).
  std::pair<int, std::string> cli(const std::vector<std::string>& args);
  // State of `who` in peer i's member list ("" if unknown/unreachable).
  std::string state_seen(int i, const std::string& who);

  const std::string& root() const { return root_; }

 private:
  std::string root_;
  std::vector<PeerProc> peers_;

 public:
  // Renames peer i (before start; then rewrite its file with set_extra): tests sharing a
  // container engine need peer names of their own.
  void set_name(int i, const std::string& name);
};

// Polls `cond` every 50 ms until it holds or `limit` passes; returns whether it held.
bool wait_until(std::chrono::milliseconds limit, const std::function<bool()>& cond);

// Whether the record's instance process is still the one recorded (pid + /proc start time).
bool instance_alive(const runtime::InstanceRecord& r);

// A port free for both TCP and UDP on 127.0.0.1 right now.
std::uint16_t free_port();

}  // namespace shoal::test
