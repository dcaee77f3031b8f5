// What a member record from the wire must be, beyond decoding (wire::decode_view checks the
// syntax and sizes; this checks the meaning). Applied by the engine to every packet it decodes:
// one bad field drops the whole packet (counted as malformed), so nothing later (JSON output,
// logs, the transport) ever sees such a name or address. Pure.
//
//   member names   1..128 bytes of ASCII letters, digits, '.', '-' and '_': what a peer file
//                  accepts for `name` (up to 63) and what host names (the default name) use
//   other names    (ping target/source, suspect/dead `from`): the same charset, may be empty
//   addresses      IP literals only ("10.0.0.5", "fd00::1"): the gossip path
//                  never resolves a name (no DNS on the io thread)
//   metadata text  zone, label keys and values, api: valid UTF-8 (checked where metadata is
//                  parsed, Engine::acquire_card)
#pragma once

#include <span>
#include <string_view>

#include "gossip/wire.hpp"

namespace shoal::gossip {

inline constexpr std::size_t kMaxMemberName = 128;

bool valid_member_name(std::string_view name);
bool valid_name_field(std::string_view name);  // may be empty
bool ip_literal(std::string_view host);
bool valid_utf8_text(std::string_view text);
bool valid_meta_text(const Meta& m);

// Every name and address of a decoded packet (its messages and push-pull records).
bool check_members(const wire::PacketView& packet);

}  // namespace shoal::gossip
