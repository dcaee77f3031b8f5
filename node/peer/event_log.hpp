// What one peer saw happen, newest last, for `shoal events` and GET /v1/events (DESIGN:
// {"ts","kind","peer","service","index","reason",...}): members (member.joined, .alive,
// .suspect, .dead, .left, .forgotten, .name_conflict, .self_refuted), this peer's instances
// (instance.<state> as each enters a state, instance.gone; host.shed as a service is shed),
// specs (spec.changed, spec.deleted, this peer's own writes included). A bounded ring: at
// most `capacity` events, each text field cut to kMaxFieldBytes, so its memory is bounded
// whatever gossip brings. Sequence numbers start at 1 and never repeat in a run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gossip/store.hpp"
#include "gossip/types.hpp"
#include "placement/status.hpp"

namespace shoal::node {

struct PeerEvent {
  std::uint64_t seq = 0;
  std::int64_t time_ms = 0;  // wall clock, ms since the epoch
  std::string kind;          // "member.dead", "instance.healthy", "spec.changed", ...
  std::string peer;          // the member; the instance's peer; the spec's writer
  std::string service;       // instance and spec events, else empty
  std::int64_t index = -1;   // instance events, else -1
  std::string reason;        // free text, may be empty ("reported by p3", "exit code 1")
  friend bool operator==(const PeerEvent&, const PeerEvent&) = default;
};

class EventLog {
 public:
  static constexpr std::size_t kDefaultCapacity = 1000;
  static constexpr std::size_t kMaxFieldBytes = 256;

  explicit EventLog(std::size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  // `e.seq` is assigned here; its text fields are cut to kMaxFieldBytes.
  void record(PeerEvent e);
  // The events with seq > `after`, oldest first, at most `limit`.
  std::vector<PeerEvent> after(std::uint64_t after, std::size_t limit = SIZE_MAX) const;
  // The seq of the newest event (0: none yet); the index of GET /v1/events.
  std::uint64_t last_seq() const { return next_seq_ - 1; }
  // The seq of the oldest event kept (last_seq() + 1 when empty): older ones were dropped.
  std::uint64_t oldest_seq() const { return events_.empty() ? next_seq_ : events_.front().seq; }
  std::size_t size() const { return events_.size(); }

 private:
  std::size_t capacity_;
  std::uint64_t next_seq_ = 1;
  std::deque<PeerEvent> events_;
};

// The events of `peer`'s instances between two of its status reports: instance.<state> for each
// that entered a state (exited and failed with their exit code and restarts), instance.gone for
// each no longer reported; in (service, index) order; then host.shed (index -1) for each service
// newly shed (PeerStatus::shed: its instances here fail health checks while healthy elsewhere),
// the reason saying how many failures and whether by the host rule.
std::vector<PeerEvent> instance_events(const placement::PeerStatus& before,
                                       const placement::PeerStatus& now, const std::string& peer,
                                       std::int64_t time_ms);

// The event of a gossip engine's event, if it is one users see: a member's change of state
// (member.<kind>, "reported by" whom), a name conflict, a spec written or deleted (its writer
// from `store`). nullopt for the rest (state other than spec/, metadata updates, joins).
std::optional<PeerEvent> gossip_event(const gossip::Event& e, const gossip::Store& store,
                                      std::int64_t time_ms);

// "2026-12-07T02:10:00.123Z" (UTC, RFC 3339 with milliseconds).
std::string utc_timestamp(std::int64_t time_ms);

// An event as JSON: {"seq","ts","kind","peer","service","index","reason"} (service and index
// null when the event has none).
nlohmann::json event_json(const PeerEvent& e);

// GET /v1/events' answer: {"seen_by" (this peer), "index" (last_seq), "oldest" (oldest_seq),
// "events": [event_json...]} with the events after `after`.
nlohmann::json events_answer(const EventLog& log, std::uint64_t after, const std::string& seen_by);

}  // namespace shoal::node
