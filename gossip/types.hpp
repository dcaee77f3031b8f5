// Plain value types shared by the gossip engine, its wire format and its callers (node/, sim/).
// No I/O, no clocks: time comes in as a Clock reading, bytes go out as Datagrams.
// Not thread-safe (plain data).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gossip/bytes.hpp"  // Bytes, ByteView

namespace shoal::gossip {

using Micros = std::int64_t;  // microseconds

constexpr Micros kMillis = 1000;
constexpr Micros kSeconds = 1000 * kMillis;
constexpr Micros kNever = INT64_MAX;

// A clock reading handed in on every call: `mono` drives timers, `wall` feeds versions.
struct Clock {
  Micros mono = 0;
  Micros wall = 0;
};

// A network address of gossip's own (gossip does not depend on config/).
struct Address {
  std::string host;
  std::uint16_t port = 0;
  std::string to_string() const { return host + ":" + std::to_string(port); }
  friend auto operator<=>(const Address&, const Address&) = default;
};

// udp: a datagram, may be lost. stream: a reliable message the caller carries over TCP; a reply
// to a stream message comes back through handle_packet with Channel::stream. Push-pull and
// state sync are accepted on the stream channel only (over udp they are dropped and counted:
// an answer to a spoofable source would be a reflection).
enum class Channel : std::uint8_t { udp, stream };

struct Datagram {
  Address to;
  Channel channel = Channel::udp;
  Bytes bytes;
  // stream only: an answer to a stream message from `to`. It goes back on the connection that
  // message came in on; when that is gone it is dropped, never sent on a new connection.
  bool reply = false;
};

enum class MemberState : std::uint8_t { alive, suspect, dead, left };
// Alive or suspect: a member still counted on (a suspect may yet refute).
inline bool is_live(MemberState s) { return s == MemberState::alive || s == MemberState::suspect; }
const char* to_string(MemberState s);

// Member metadata, gossiped with alive messages; bounded to Config::max_meta_bytes encoded.
struct Meta {
  std::string zone;
  std::map<std::string, std::string> labels;
  std::int64_t cpu_milli = 0;
  std::int64_t memory_mib = 0;
  std::string api;  // "host:port" of the peer's API
  std::uint32_t algorithm_version = 1;
  bool ready = false;
  bool schedulable = true;
  // Speaks the broadcast tree (gossip/tree.hpp). Set by the engine from Config::tree_broadcast;
  // on the wire a reserved label (wire::kTreeLabel), so older peers still read the metadata.
  bool tree_broadcast = false;
  friend bool operator==(const Meta&, const Meta&) = default;
};

// Who this peer is. `incarnation` is the one persisted by node/; the engine starts above it.
struct Identity {
  std::string name;
  Address addr;  // advertise address
  std::uint64_t incarnation = 0;
  Meta meta;
};

struct Member {
  std::string name;
  Address addr;
  std::uint64_t incarnation = 0;
  MemberState state = MemberState::alive;
  Meta meta;
  Micros state_change = 0;  // mono time of the last state change (as seen here)
};

using Members = std::map<std::string, Member>;

enum class EventKind : std::uint8_t {
  member_joined,    // a new member, or one back from dead/left
  member_alive,     // suspect -> alive (refuted)
  member_suspect,
  member_dead,
  member_left,
  member_updated,   // metadata or address changed while alive
  member_forgotten, // a dead/left member dropped after reconnect_timeout
  name_conflict,    // another address claims a live name: refused, not merged
  self_refuted,     // we bumped our incarnation to refute suspicion/death of ourselves
  join_succeeded,   // a push-pull with a seed completed
  state_changed,    // a replicated-state key changed (name = the key); local writes included
};
const char* to_string(EventKind k);

struct Event {
  EventKind kind = EventKind::member_joined;
  std::string name;
  Address addr;                  // the member's address (for name_conflict: the refused one)
  std::uint64_t incarnation = 0;
  std::string from;              // who reported it (suspect/dead), if known
};

struct Outbox {
  std::vector<Datagram> sends;
  std::vector<Event> events;
  void clear() { sends.clear(); events.clear(); }
};

}  // namespace shoal::gossip
