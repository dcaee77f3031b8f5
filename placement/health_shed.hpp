// Health shedding, reschedule's last clause: a host whose instances keep failing health checks
// sheds them. Pure (time comes in as an argument); one per Reconciler, which lists the shed
// instances as failed here (placement/reschedule.hpp), so every peer places them elsewhere.
//
// The rule, per service S with a `reschedule` table, on this peer:
//  - A *health failure* of S here: one of S's local instances enters `unhealthy` (its check
//    failed `retries` times in a row; the runner stops it and its end counts for the restart
//    policy). Counted once per entry, whatever the state before (starting included: a
//    host-specific fault, a missing file or mount, fails the first check as well as a later
//    one). failures(S): those within the last `reschedule.interval` (at most 100 kept), all
//    at one spec hash: a failure at another hash (a new version) starts S's count afresh and
//    clears its shed.
//  - S is *healthy elsewhere* when another live peer reports `healthy` an instance of S that
//    the assignment gives to that peer, at the spec hash of S's latest failure here. A claim
//    about an instance the peer does not own counts for nothing; a version failing everywhere
//    is never healthy elsewhere (auto-revert's job, not this one).
//  - S is *failing here* when failures(S) >= 1 and S is healthy elsewhere (or already shed).
//  - Service rule: S is shed when it is failing here and failures(S) >= `reschedule.attempts`.
//  - Host rule: when two or more services are failing here, the host is the likely cause
//    (each of them runs healthy elsewhere): every one of them is shed, one failure each.
//  - A shed service stays shed until its newest failure here is `interval` old (no failure
//    within the window): then it clears.
// While S is shed, its owner lists every instance of S it runs or owns as failed here (from
// `delay` after, for `interval`, unless `attempts` other live peers list it already), exactly
// as a failed instance.
//
// Memory is bounded by this peer's own instances: nothing is kept per remote status entry
// (other peers' statuses are read through the assignment: at most `replicas` lookups each).
// Not thread-safe.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/spec.hpp"
#include "placement/status.hpp"
#include "placement/view.hpp"

namespace shoal::placement {

struct LocalInstance;  // placement/reconcile.hpp

struct ShedInputs {
  config::Millis now = 0;
  std::string self;
  const std::vector<config::ServiceSpec>* services = nullptr;  // never null
  const Assignment* assignment = nullptr;                      // never null
  const std::map<std::string, PeerStatus>* peers = nullptr;    // the others' statuses; may be null
  const std::set<std::string>* live = nullptr;                 // alive + suspect; never null
};

struct ShedVerdict {
  std::vector<ShedService> shed;  // sorted by service
  // When a failure leaves its window next (a shed may clear then); nullopt: none kept.
  std::optional<config::Millis> wake_at;
};

class HealthShed {
 public:
  static constexpr std::size_t kMaxKept = config::ReschedulePolicy::kMaxAttempts;

  // Counts the local instances that entered `unhealthy` since the last call (outgoing copies
  // of a start-first replacement are not probed and not counted).
  void observe(config::Millis now, const std::vector<LocalInstance>& local);
  // The services shed at in.now; forgets failures out of their window and services without
  // a reschedule table.
  ShedVerdict decide(const ShedInputs& in);

  // For tests: services with failures kept, and local instances remembered.
  std::size_t services_kept() const { return services_.size(); }
  std::size_t instances_kept() const { return last_.size(); }

 private:
  struct Record {
    std::deque<config::Millis> at;  // failure times, oldest first
    std::string hash;               // spec hash of the latest failure
    bool shed = false;
    bool host = false;  // shed by the host rule
  };
  bool healthy_elsewhere(const ShedInputs& in, const std::string& service,
                         const std::string& hash) const;

  std::map<InstanceId, InstanceState> last_;  // each local instance's state at the last call
  std::map<std::string, Record> services_;
};

}  // namespace shoal::placement
