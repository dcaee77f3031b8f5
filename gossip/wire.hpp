// The gossip wire format: a one-byte protocol version, a one-byte message type, then a msgpack
// body. A compound packet carries several messages (type byte + body each) in one datagram.
// Decoding is bounds-checked throughout: a malformed packet yields false, never a crash.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gossip/types.hpp"

namespace shoal::gossip::wire {

constexpr std::uint8_t kProtocolVersion = 1;
constexpr std::size_t kMaxMetaBytes = 1024;     // hard decode bound; Config narrows it
constexpr std::size_t kMaxNameBytes = 255;
constexpr std::size_t kMaxTreeKeyBytes = 512;  // a per-peer key: a short prefix and a name
// The metadata label that says a peer speaks the broadcast tree (Meta::tree_broadcast). Peer
// files refuse '@' in label keys, so no user label can collide; older peers show it as a label.
inline constexpr std::string_view kTreeLabel = "@gossip";
inline constexpr std::string_view kTreeLabelValue = "tree";
constexpr std::size_t kMaxCompoundParts = 255;

enum class Type : std::uint8_t {
  ping = 1,
  indirect_ping = 2,
  ack = 3,
  nack = 4,
  alive = 5,
  suspect = 6,
  dead = 7,      // from == name means a graceful leave
  push_pull = 8, // stream channel only
  compound = 9,
  state = 10,       // replicated-state deltas: a Store batch (piggybacked, or whole on stream)
  state_sync = 11,  // the last step of a state push-pull (stream channel only)
  tree = 12,        // broadcast tree of per-peer values (tree.hpp); sent only to peers that say
                    // they speak it (Meta::tree_broadcast): older peers refuse the type
};

struct Ping {
  std::uint32_t seq = 0;
  std::string target;  // the name the sender believes lives at our address
  std::string source;
  Address source_addr;
};
struct IndirectPing {
  std::uint32_t seq = 0;
  std::string target;
  Address target_addr;
  bool nack = false;   // send a nack if the target does not answer
  std::string source;
};
struct Ack {
  std::uint32_t seq = 0;
};
struct Nack {
  std::uint32_t seq = 0;
};
struct Alive {
  std::string name;
  Address addr;
  std::uint64_t incarnation = 0;
  Meta meta;
  std::size_t meta_bytes = 0;  // encoded size of meta (filled by decode and encode_meta)
};
struct Suspect {
  std::string name;
  std::uint64_t incarnation = 0;
  std::string from;
};
struct Dead {
  std::string name;
  std::uint64_t incarnation = 0;
  std::string from;
};
struct MemberRecord {
  std::string name;
  Address addr;
  std::uint64_t incarnation = 0;
  MemberState state = MemberState::alive;
  Meta meta;
  std::size_t meta_bytes = 0;  // encoded size of meta (filled by decode; not encoded)
};
struct PushPull {
  bool join = false;   // the sender is joining (it counts as a join success when answered)
  bool reply = false;  // an answer to a push-pull: do not answer again
  std::vector<MemberRecord> members;
  Bytes state;         // the replicated store's push-pull message (request or response)
};
struct StateDelta {
  Bytes batch;  // Store::take_deltas / take_oversized bytes
};
struct StateSync {
  Bytes message;  // an encoded store push-pull message (the final step)
};
// The broadcast tree's messages (Plumtree: eager push, lazy announcement, graft, prune).
enum class TreeKind : std::uint8_t { push = 0, ihave = 1, graft = 2, prune = 3 };
struct TreeId {
  std::string key;  // a per-peer key (status/<peer>, usage/<peer>): its owner is the origin
  std::uint64_t hlc = 0;
  friend bool operator==(const TreeId&, const TreeId&) = default;
};
struct Tree {
  TreeKind kind = TreeKind::push;
  std::string from;          // the sender's member name
  std::vector<TreeId> ids;   // ihave, graft
  Bytes batch;               // push: a Store batch
};

using Message = std::variant<Ping, IndirectPing, Ack, Nack, Alive, Suspect, Dead, PushPull,
                             StateDelta, StateSync, Tree>;

// A whole packet: version + type + body.
Bytes encode(const Message& m);
// One part of a compound: type + body (no version byte).
Bytes encode_part(const Message& m);
// A compound packet from parts made by encode_part (at most kMaxCompoundParts).
Bytes encode_compound(const std::vector<Bytes>& parts);
// One datagram built part by part: a lone part goes out as version + part, several as a
// compound with exactly encode_compound's bytes (parts past kMaxCompoundParts are dropped, as
// there). Copies each part once, into one buffer.
class PacketBuilder {
 public:
  void add(std::span<const std::byte> part);
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  // The datagram (empty if no part was added); the builder is empty again after.
  Bytes finish();

 private:
  Bytes body_;  // bin(part) for each part
  std::size_t count_ = 0;
  std::size_t first_header_ = 0;  // the first part's bin header size
};
// Bytes a part adds to a compound packet (its length plus the framing).
std::size_t compound_overhead(std::size_t part_size);
constexpr std::size_t kCompoundHeader = 2 + 3;  // version, type, array header (<= 3 bytes)

// A member record by reference: encode_push_pull writes a push-pull straight from a member
// table, without copying names and metadata into MemberRecords first. `meta` is the metadata
// already encoded (encode_meta's bytes).
struct MemberRef {
  const std::string* name = nullptr;
  const Address* addr = nullptr;
  std::uint64_t incarnation = 0;
  MemberState state = MemberState::alive;
  std::string_view meta;
};
// Exactly the bytes encode(PushPull{join, reply, <the records>, state}) gives.
Bytes encode_push_pull(bool join, bool reply, std::span<const MemberRef> members,
                       std::span<const std::byte> state);
// Appends exactly the bytes encode_part(Alive{name, addr, incarnation, <meta>}) gives, `meta`
// being that metadata encoded (encode_meta's bytes).
void append_alive_part(std::string_view name, const Address& addr, std::uint64_t incarnation,
                       std::string_view meta, Bytes& out);

// Encoded size of metadata (what Config::max_meta_bytes bounds), and the bytes themselves.
std::size_t meta_size(const Meta& m);
Bytes encode_meta(const Meta& m);
// Bytes a StateDelta part adds around a batch of `batch_size` bytes (type byte + bin header).
constexpr std::size_t kStatePartOverhead = 1 + 5;

// Decodes a packet (single or compound) into messages. False if anything is malformed: wrong
// version, unknown type, bad msgpack, wrong shapes, oversized fields, trailing bytes.
bool decode(std::span<const std::byte> packet, std::vector<Message>& out);

// Parses encoded metadata (encode_meta's bytes, at most kMaxMetaBytes). False if malformed.
bool decode_meta(std::span<const std::byte> bytes, Meta& out);

// ---- Decoding without copies: views into the packet, valid while its bytes are. decode_view
// accepts exactly what decode accepts (decode is decode_view plus copies); metadata is
// validated but left encoded, so a receiver that already holds it parses nothing.
struct AliveView {
  std::string_view name;
  std::string_view host;
  std::uint16_t port = 0;
  std::uint64_t incarnation = 0;
  std::span<const std::byte> meta;  // encoded metadata (valid; its size is what max_meta_bytes bounds)
};
struct RecordView {
  std::string_view name;
  std::string_view host;
  std::uint16_t port = 0;
  std::uint64_t incarnation = 0;
  MemberState state = MemberState::alive;
  std::span<const std::byte> meta;
};
struct PushPullView {
  bool join = false;
  bool reply = false;
  std::size_t first = 0;  // its records are PacketView::records[first, first + count)
  std::size_t count = 0;
  std::span<const std::byte> state;
};
struct StateDeltaView {
  std::span<const std::byte> batch;
};
struct StateSyncView {
  std::span<const std::byte> message;
};
struct TreeIdView {
  std::string_view key;
  std::uint64_t hlc = 0;
};
struct TreeView {
  TreeKind kind = TreeKind::push;
  std::string_view from;
  std::size_t first = 0;  // its ids are PacketView::tree_ids[first, first + count)
  std::size_t count = 0;
  std::span<const std::byte> batch;
};
using MessageView = std::variant<Ping, IndirectPing, Ack, Nack, AliveView, Suspect, Dead,
                                 PushPullView, StateDeltaView, StateSyncView, TreeView>;
struct PacketView {
  std::vector<MessageView> messages;
  std::vector<RecordView> records;   // of every push-pull in the packet
  std::vector<TreeIdView> tree_ids;  // of every tree message in the packet
};
bool decode_view(std::span<const std::byte> packet, PacketView& out);

}  // namespace shoal::gossip::wire
