// The small deploy/ values that name one spec hash, {"v":1,"<field>":"<hash>"}: a failed
// version's verdict (auto_revert.hpp, "failed") and a promotion (canary.hpp, "promoted").
// Pure; the decoder never throws.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace shoal::node {

std::string encode_hash_record(const std::string& field, const std::string& hash);
// The hash under `field`; nullopt for anything else (not JSON, another version, not a string,
// longer than 64 bytes).
std::optional<std::string> decode_hash_record(std::string_view bytes, const std::string& field);

}  // namespace shoal::node
