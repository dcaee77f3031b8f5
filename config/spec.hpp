// Validated desired state and peer configuration: the structs that config/ parses TOML into.
// Plain data, no I/O. These types are a contract for placement/, node/ and sim/: fields may be
// added, never renamed or removed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::config {

using Millis = std::int64_t;  // every duration, in milliseconds

// host:port. IPv6 hosts are stored without brackets ("::1") and printed with them.
struct Address {
  std::string host;
  std::uint16_t port = 0;
  std::string to_string() const;
  friend bool operator==(const Address&, const Address&) = default;
};

// One placement constraint, `ATTR OP VALUE`; a service's constraints all must hold (AND).
struct Constraint {
  enum class Attr { name, zone, label };
  enum class Op { eq, ne, in, not_in };
  Attr attr = Attr::name;
  std::string label;                // the KEY of `label.KEY` when attr == label
  Op op = Op::eq;
  std::vector<std::string> values;  // one value for == and !=, one or more for in / not in
  // True when a peer with this name, zone and labels satisfies the constraint. Values compare
  // as strings; a missing label
  // matches no value (so `!=` and `not in` hold for it).
  bool matches(const std::string& name, const std::string& zone,
               const std::map<std::string, std::string>& labels) const;
  std::string to_string() const;    // canonical text, e.g. `label.ssd == true`, `zone in [a, "b c"]`
  friend bool operator==(const Constraint&, const Constraint&) = default;
};

struct Port {
  std::string name;                   // [a-z0-9_-], unique within the service
  std::uint16_t container = 0;        // the port the instance listens on
  std::optional<std::uint16_t> host;  // static host port; absent = dynamic (the peer picks one)
  friend bool operator==(const Port&, const Port&) = default;
};

struct Resources {
  std::int64_t cpu_milli = 0;   // requested millicores
  std::int64_t memory_mib = 0;  // requested MiB
  friend bool operator==(const Resources&, const Resources&) = default;
};

struct RestartPolicy {
  enum class Condition { any, on_failure, none };
  Condition condition = Condition::any;
  Millis delay = 1000;       // first backoff, doubling ...
  Millis max_delay = 60000;  // ... up to this
  int max_attempts = 0;      // 0 = no limit; past it the instance is `failed`
  friend bool operator==(const RestartPolicy&, const RestartPolicy&) = default;
};
// "any", "on-failure", "none": the names in service files, JSON and the spec value.
const char* restart_condition_name(RestartPolicy::Condition c);
std::optional<RestartPolicy::Condition> restart_condition_from_name(std::string_view name);

struct HealthCheck {
  enum class Kind { none, http, tcp, exec };
  Kind kind = Kind::none;
  std::string http_path;          // kind == http: the path to GET
  std::string port;               // kind == http or tcp: the port name
  std::vector<std::string> exec;  // kind == exec: argv
  Millis interval = 5000;
  Millis timeout = 2000;
  int retries = 3;
  friend bool operator==(const HealthCheck&, const HealthCheck&) = default;
};

struct Placement {
  // automatic (the default): across zones when a peer that may run the service declares a
  // zone, else across peers; peer: across peers, zones ignored; zone: zone quotas (hard),
  // then across peers; none: no spreading (rendezvous and capacity alone).
  enum class Spread { none, zone, peer, automatic };
  // replicated (the default): `replicas` instances placed by ranking; global: one instance on
  // every eligible peer that passes the constraints (the service file's top-level `mode`).
  enum class Mode { replicated, global };
  std::vector<Constraint> constraints;
  Spread spread = Spread::automatic;
  Mode mode = Mode::replicated;
  int max_per_peer = 0;  // 0 = no limit
  bool home = false;     // run on home_peer while it is eligible and has room
  friend bool operator==(const Placement&, const Placement&) = default;
};

// The text of a spread ("auto", "peer", "zone", "none"), as files, JSON and the codec write it.
inline const char* spread_name(Placement::Spread s) {
  switch (s) {
    case Placement::Spread::none: return "none";
    case Placement::Spread::zone: return "zone";
    case Placement::Spread::peer: return "peer";
    case Placement::Spread::automatic: break;
  }
  return "auto";
}
inline std::optional<Placement::Spread> parse_spread(std::string_view text) {
  for (auto s : {Placement::Spread::automatic, Placement::Spread::peer, Placement::Spread::zone,
                 Placement::Spread::none})
    if (text == spread_name(s)) return s;
  return std::nullopt;
}

// A service's rolling-update policy (the service file's `update` table; compose and Nomad
// names). Absent (ServiceSpec::update unset): a changed spec is replaced one instance at a
// time with no minimum healthy time, as before the table existed.
struct UpdatePolicy {
  enum class Order { stop_first, start_first };
  int parallelism = 1;             // at most this many instances not yet healthy at the new spec
  Order order = Order::stop_first;
  Millis min_healthy_time = 10000;  // healthy this long at the new spec before it counts
  Millis healthy_deadline = 300000;  // (auto_revert) time for a new instance to turn healthy
  bool auto_revert = false;
  int canary = 0;
  friend bool operator==(const UpdatePolicy&, const UpdatePolicy&) = default;
};

inline const char* order_name(UpdatePolicy::Order o) {
  return o == UpdatePolicy::Order::start_first ? "start-first" : "stop-first";
}

// A service's reschedule policy (the service file's `reschedule` table, Nomad's names; see
// config/reschedule_policy.hpp and placement/reschedule.hpp). Absent: a failed instance stays
// failed on its peer.
struct ReschedulePolicy {
  static constexpr int kMaxAttempts = 100;
  static constexpr Millis kMaxInterval = 7LL * 24 * 3600 * 1000;
  static constexpr Millis kMaxDelay = 3600 * 1000;
  int attempts = 3;           // peers one instance may move away from within `interval`
  Millis interval = 3600000;  // a peer where it failed is skipped for it this long
  Millis delay = 30000;       // a failed instance waits this long on its peer before it moves
  friend bool operator==(const ReschedulePolicy&, const ReschedulePolicy&) = default;
};

// One volume of a service, compose's short form `SOURCE:TARGET[:OPTIONS]`: SOURCE starting
// with '/' is a host path bind-mounted (bind mount), else the name of an engine volume (a
// named volume, created on first use, kept on that host). OPTIONS: "" (= "rw"), "ro" or "rw".
// Split by parse_volume (config/volume.hpp), checked by the validator (validate_spec.hpp).
struct Volume {
  std::string source;
  std::string target;
  std::string options;
  bool bind() const { return !source.empty() && source[0] == '/'; }
  bool read_only() const { return options == "ro"; }
  std::string to_string() const {  // the text it was parsed from
    if (target.empty() && options.empty()) return source;  // an entry without a ':'
    return source + ":" + target + (options.empty() ? "" : ":" + options);
  }
  friend bool operator==(const Volume&, const Volume&) = default;
};

struct ServiceSpec {
  std::string name;                  // [a-z0-9-], 1..63 characters
  std::string image;                 // docker driver; empty for the process driver
  std::vector<std::string> command;  // argv; required when image is empty
  int replicas = 1;
  std::vector<Port> ports;           // sorted by name
  std::map<std::string, std::string> env;
  Resources resources;
  RestartPolicy restart;
  HealthCheck health;
  Placement placement;
  Millis stop_grace = 10000;
  std::string home_peer;             // set when published, for placement.home services
  std::vector<Volume> volumes;       // in the file's order; the docker driver mounts them
  std::optional<UpdatePolicy> update;  // the `update` table; unset = the legacy replacement
  std::optional<ReschedulePolicy> reschedule;  // the `reschedule` table; unset = none
  friend bool operator==(const ServiceSpec&, const ServiceSpec&) = default;
};

// Whether the service declares a port of that name.
bool has_port(const ServiceSpec& s, std::string_view name);

// Gossip timing overrides by name; absent = the profile's value.
struct GossipSettings {
  std::string profile = "lan";  // lan | wan | local | fast
  std::optional<Millis> probe_interval, probe_timeout, gossip_interval, push_pull_interval,
      reconnect_timeout, tombstone_ttl, max_clock_skew, join_grace;
  std::optional<int> indirect_checks, suspicion_mult, suspicion_max_mult, gossip_nodes,
      retransmit_mult, tree_min_members;
  // Per-peer values along the broadcast tree (gossip/tree.hpp); absent = on.
  std::optional<bool> tree_broadcast;
  friend bool operator==(const GossipSettings&, const GossipSettings&) = default;
};

struct PeerConfig {
  std::string name;                      // default: the host name (filled in by node/)
  Address bind{"0.0.0.0", 7950};
  std::optional<Address> advertise;      // default: decided by node/
  std::vector<Address> join;
  std::string zone;
  std::map<std::string, std::string> labels;
  std::string data_dir = "/var/lib/shoal";
  std::string services_dir = "/etc/shoal/services";
  std::optional<std::int64_t> cpu_milli;   // absent = "auto" (node/ measures the host)
  std::optional<std::int64_t> memory_mib;  // absent = "auto"
  GossipSettings gossip;
  struct Api {
    Address listen{"127.0.0.1", 7951};
    std::string token_file;  // empty = no mutating call over TCP (the unix socket only)
    std::string socket;      // the unix-socket API; empty = data_dir/api.sock
    std::string socket_group;  // group of the socket (mode 0660); empty = the agent's group
    friend bool operator==(const Api&, const Api&) = default;
  } api;
  struct Runtime {
    std::string driver = "process";  // process | docker
    std::string socket;              // docker: empty = auto-detect
    Millis orphan_timeout = 60000;
    // docker: how long the logs of an ended container stay readable (`shoal logs`) after it is
    // removed (node/runtime/saved_logs.hpp); the process driver's log files stay until reused.
    Millis log_retention = 24 * 3600 * 1000;
    // docker: credentials for image pulls, Docker's config.json format (read at start, must
    // be private: node/runtime/registry_auth.hpp); empty = pulls without credentials.
    std::string registry_auth;
    // docker: the host folders a service's bind mounts may come from (a source equal to or
    // below one of them, symlinks resolved); empty = no bind mount on this peer (named
    // volumes need no permission). A spec can come from anyone who may write specs: a bind
    // of / would be root on this host.
    std::vector<std::string> bind_roots;
    friend bool operator==(const Runtime&, const Runtime&) = default;
  } runtime;
  struct Reconcile {
    Millis solo_after = 30000;
    int max_starts_per_second = 5;
    Millis handoff_timeout = 60000;
    friend bool operator==(const Reconcile&, const Reconcile&) = default;
  } reconcile;
  struct Security {
    // Gossip is always sealed: empty keyring = data_dir/keyring (created by a peer that founds a
    // cluster, see node/keyring_setup.hpp). insecure = true alone turns sealing off.
    std::string keyring;
    std::string label;
    bool insecure = false;
    friend bool operator==(const Security&, const Security&) = default;
  } security;
  // Bounds on the specs this peer accepts (config/validate_spec.hpp). Give every peer the
  // same: a spec one peer refuses is placed by the others but never run by that one.
  struct Limits {
    int max_replicas = 10'000;  // per service, 0..100,000 (placement's instance budget)
    friend bool operator==(const Limits&, const Limits&) = default;
  } limits;
  // The DNS interface (node/dns_server.hpp). listen absent = 127.0.0.1:7953 if that port is
  // free (else none, with a warning); enabled = false turns it off.
  struct Dns {
    std::optional<Address> listen;
    std::string domain = "shoal";
    Millis ttl = 5000;     // of every answer (whole seconds on the wire)
    bool enabled = true;
    friend bool operator==(const Dns&, const Dns&) = default;
  } dns;
  friend bool operator==(const PeerConfig&, const PeerConfig&) = default;
};

}  // namespace shoal::config
