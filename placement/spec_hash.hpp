// The per-instance spec hash: a fingerprint of exactly what shapes a running instance, so peers
// can tell whether a copy runs the current spec. It is a protocol between peers (it travels in
// `status/<peer>` and in the driver label `shoal.spec`): the encoding below is frozen as v1 and
// pinned by a golden test. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/spec.hpp"

namespace shoal::placement {

// Canonical bytes (v1) of the instance-shaping part of a spec. Every integer is fixed-width
// little-endian; every string is a u32 length then its bytes; every list is a u32 count then
// its items. In order:
//   "shoal.spec.v1"                  domain tag (string)
//   image                            string
//   command                          list of strings
//   env                              list of (key, value), sorted by key
//   ports                            list of (name, u16 container, u8 has_host, u16 host or 0),
//                                    sorted by name
//   resources                        i64 cpu_milli, i64 memory_mib
//   health                           u8 kind; then http: path, port; tcp: port; exec: argv;
//                                    and, unless kind is none, i64 interval, i64 timeout,
//                                    i32 retries
//   then, only when the spec has volumes (a spec without them has exactly the bytes above):
//   "volumes"                        string
//   volumes                          list of (source, target, u8 read_only), sorted by target
//                                    (engines mount in path order, whatever the file's order)
// NOT covered (changing them restarts nothing): name, replicas, restart policy, placement,
// stop_grace, home_peer.
std::vector<std::uint8_t> spec_canonical_bytes(const config::ServiceSpec& spec);

// 16 lowercase hex digits: BLAKE2b (libsodium crypto_generichash, 16-byte output, no key) of
// spec_canonical_bytes(); its first 8 bytes are read as a little-endian u64 and printed most
// significant digit first.
std::string spec_hash(const config::ServiceSpec& spec);

}  // namespace shoal::placement
