// An experiment for `shoal-sim run`: the cluster, its network, its services and the timed faults,
// read from TOML. The keys below are a contract other tools write (extend, never rename):
//
//   name, seed, peers | nodes = "x.csv", duration, profile, lifeguard
//   [network] latency = ["1ms","5ms"], loss = 0.01
//   [[service]] name, replicas, cpu, memory, spread, max_per_peer
//   [[event]] at + one of kill = N | stop = N, for | partition = [fractions], for |
//             slow = N, delay, for | join = N | update = "SERVICE"
//
// Extensions (all optional): top level `start` ("join", the default: every peer joins through
// a seed, over `join_spread`; "formed": the run starts from a cluster that is already formed and
// quiet, every peer knowing every other alive, see gossip::Engine::start_formed), `join_spread`
// (initial joins spread over this long, default 5s; not with "formed"), `join_grace` (as the
// peer file's: a peer announces `ready` once synced and up this long; unset, every peer is ready
// from its start; with services only, and a formed cluster is ready from the start), `specs_at` (when the services are applied: default join_spread + 10s), `clock_skew` (each peer's wall clock off by up to +- this), `sample` (time-series
// step, default 1s), `start_delay` (container start time, default 1s), `crash_rate` (instance
// crashes per instance-hour); [network] `duplicate`, `stream_latency_factor`, `stream_loss`
// (stream messages lose segments as TCP does, sim/packet_fate.hpp); [[event]]
// `oneway = true` with partition (only lower groups -> higher groups are cut), `restart = N`
// (crash N random peers and bring them back after `for`, one every `every`, `disk = false` to
// lose their incarnation), `restart = "all"`; [[service]] `update = { parallelism,
// min_healthy_time, healthy_deadline, order }` (a rolling-update policy); [[event]] `update = "web"` (a peer writes a
// new version of web's spec: its env VERSION changes, so every instance is replaced; the
// report's `rollouts` measures it); `broken = true` with update: that version's instances exit
// as they start (a version that never turns healthy); update's `healthy_deadline` then fails it.
// `profile` is any gossip::Config::for_profile name (lan, wan, local, fast). An optional
// [gossip] table overrides single timings by the peer file's names and units (DESIGN.md
// "Peer file"): profile, probe_interval, probe_timeout, gossip_interval, push_pull_interval,
// reconnect_timeout, tombstone_ttl, max_clock_skew (durations); indirect_checks, suspicion_mult,
// suspicion_max_mult, gossip_nodes, retransmit_mult (integers); plus the simulator's own
// awareness_max (integer), gossip_to_the_dead, stall_threshold (durations), stream_ping (bool),
// tree_broadcast (bool) and graft_timeout (duration) (gossip/tree.hpp).
// The result, validated by gossip::Config::validate, is Experiment::gossip.
// `nodes` is resolved relative to the experiment file's folder (absolute paths as given).
// Pure parsing apart from reading the files: errors are values `path:line:col: message`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/spec.hpp"
#include "gossip/config.hpp"
#include "gossip/types.hpp"

namespace shoal::sim {

using gossip::Micros;

struct ExperimentService {
  std::string name;
  int replicas = 1;
  std::int64_t cpu_milli = 100;
  std::int64_t memory_mib = 64;
  config::Placement::Spread spread = config::Placement::Spread::automatic;  // as a service file
  int max_per_peer = 0;
  // `update = { parallelism, min_healthy_time }`: the service's rolling-update policy (the
  // service file's keys); unset: the legacy replacement, one at a time.
  std::optional<config::UpdatePolicy> update;
};

struct ExperimentNode {  // one peer's capacity (from `nodes` or the synthetic default)
  std::string name;
  std::int64_t cpu_milli = 4000;
  std::int64_t memory_mib = 8192;
  std::string zone;
};

struct FaultEvent {
  enum class Kind { kill, stop, partition, slow, join, restart, update };
  Kind kind = Kind::kill;
  Micros at = 0;
  int count = 0;                  // kill/stop/slow/join/restart: how many peers (-1 = all)
  std::vector<double> fractions;  // partition
  bool oneway = false;            // partition: only lower -> higher groups cut
  Micros length = 0;              // `for`
  Micros delay = 0;               // slow
  Micros every = 0;               // restart: stagger between peers
  bool disk = true;               // restart: keep the incarnation
  std::string service;            // update: the service whose spec changes (a new version)
  bool broken = false;            // update: the new version's instances exit as they start
  Micros end() const;             // when its effect is over (at, or the last resume)
  int line = 0;                   // for messages
};

struct Experiment {
  std::string path;  // the file it came from
  std::string name;
  std::uint64_t seed = 1;
  std::vector<ExperimentNode> nodes;  // the initial peers (size = `peers`)
  Micros duration = 60 * gossip::kSeconds;
  std::string profile = "lan";
  bool lifeguard = true;
  // Every peer's gossip configuration: the profile with the [gossip] overrides and `lifeguard`
  // applied. Code that builds an Experiment by hand sets this (not just `profile`).
  gossip::Config gossip;
  Micros latency_min = 1 * gossip::kMillis;
  Micros latency_max = 5 * gossip::kMillis;
  double loss = 0;
  double duplicate = 0;
  int stream_latency_factor = 3;  // a stream message takes this many one-way latencies
  bool stream_loss = false;       // stream messages lose segments too, as TCP (LinkModel)
  bool start_formed = false;  // `start = "formed"`
  Micros join_spread = 5 * gossip::kSeconds;
  // Set: a peer announces `ready` once synced and up this long, as node/'s agent (default 10s
  // there). Unset: every peer is ready from its start.
  std::optional<Micros> join_grace;
  Micros clock_skew = 0;
  Micros sample = 1 * gossip::kSeconds;
  Micros start_delay = 1 * gossip::kSeconds;
  double crash_rate = 0;  // instance crashes per instance-hour
  std::optional<Micros> specs_at;  // when the services are applied (default join_spread + 10s)
  std::vector<ExperimentService> services;
  std::vector<FaultEvent> events;  // sorted by `at` (stable)
};

struct ExperimentError {
  std::string message;  // "path:line:col: message"
};

std::variant<Experiment, ExperimentError> parse_experiment_text(const std::string& text,
                                                                const std::string& path);
std::variant<Experiment, ExperimentError> load_experiment(const std::string& path);

// "1m30s" -> micros; nullopt when malformed (units h, m, s, ms, us).
std::optional<Micros> parse_sim_duration(const std::string& text);

}  // namespace shoal::sim
