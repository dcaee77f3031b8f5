// The msgpack-c based wire encoder/decoder of earlier Shoal versions (test-only reference).
#pragma once

#include <span>
#include <vector>

#include "gossip/wire.hpp"

namespace shoal::gossip::wire_ref {

Bytes encode(const wire::Message& m);
Bytes encode_part(const wire::Message& m);
Bytes encode_compound(const std::vector<Bytes>& parts);
std::size_t meta_size(const Meta& m);
Bytes encode_meta(const Meta& m);
bool decode(std::span<const std::byte> packet, std::vector<wire::Message>& out);

}  // namespace shoal::gossip::wire_ref
