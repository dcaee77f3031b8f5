// The deployment record a spec/<name> value carries beside the spec (DESIGN "Deployments"), so
// that every peer has the last healthy version and a short history from gossiped state alone:
//   "last_good":    the last version seen healthy, encoded as encode_spec() (no record of its
//                   own), absent until one was; "good_version": its version number;
//   "history":      [[version, spec_hash, time_ms, origin, outcome], ...], oldest first, at most
//                   kHistoryMax; the last entry is this value's own version, its outcome "" (it
//                   is live: the view decides it); the others' outcome was fixed by the writer
//                   that replaced them: healthy | failed | reverted | replaced (while rolling);
//   "revert_of":    the version this value went back to, for a value `shoal revert` wrote.
// Peers of an older version ignore these keys (decode_spec reads only its own), so the value
// stays version 1 (2 with volumes) and they still run the spec it holds. Pure; never throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gossip/store.hpp"

namespace shoal::node {

inline constexpr std::size_t kHistoryMax = 10;

struct HistoryEntry {
  int version = 0;
  std::string spec_hash;
  std::int64_t time_ms = 0;  // wall clock of the writer, ms since the epoch
  std::string origin;        // the peer that wrote it
  std::string outcome;       // "" for the value's own (current) version
  bool operator==(const HistoryEntry&) const = default;
};

struct SpecRecord {
  std::optional<std::string> last_good;  // encode_spec() of the last healthy version
  int good_version = 0;
  std::vector<HistoryEntry> history;
  std::optional<int> revert_of;
  bool operator==(const SpecRecord&) const = default;
};

// The record of a spec value (an empty one when it has none or it is malformed: a record is
// never a reason to refuse the spec).
SpecRecord read_record(std::string_view value);
// `encoded` (encode_spec()) with the record's keys added.
std::string with_record(std::string_view encoded, const SpecRecord& record);

// What the writer of a new value for a service knows of the value it replaces.
struct CurrentValue {
  std::string_view bytes;      // the value in force ("" for none or a tombstone)
  std::int64_t time_ms = 0;    // its write time (the HLC's physical part)
  std::string origin;          // its writer
  std::string outcome;         // its deployment in this view: rolling|healthy|failed|reverted
};

// The record for a value replacing `current` by a spec of hash `next_hash`, written by `self`
// at `now_ms`: the current version's entry gets its outcome ("rolling" becomes "replaced"), a
// new entry is appended, and the current version becomes last_good when it is healthy now.
SpecRecord next_record(const CurrentValue& current, const std::string& next_hash,
                       std::int64_t now_ms, const std::string& self);

// What `e` (spec/<name> in force; nullptr or a tombstone: none) says for next_record.
CurrentValue current_value(const gossip::Entry* e, std::string outcome);

// The value to write as spec/<name>: `encoded` (encode_spec()) with the next record.
std::string spec_value(std::string_view encoded, const CurrentValue& current, std::int64_t now_ms,
                       const std::string& self, std::optional<int> revert_of = std::nullopt);

// The spec hash of a spec/ value's bytes; "" when they do not decode.
std::string spec_hash_of(std::string_view bytes);

}  // namespace shoal::node
