// data_dir/state: the replicated state's snapshot behind a header that tells a damaged file
// from a good one, so a bit flipped on disk is never served as state:
//   "shoal-state 1 " + 64 hex digits of BLAKE2b-256(snapshot) + "\n" + snapshot
// A file without the header is the bare snapshot written before the header existed; the
// snapshot's own decoder still refuses it when it is truncated. Pure.
#pragma once

#include <string>
#include <string_view>

namespace shoal::node {

std::string encode_state_file(std::string_view snapshot);

struct StateFile {
  std::string_view snapshot;  // into the file's bytes, when error is empty
  std::string error;          // the header is damaged, or the hash does not match
};
StateFile decode_state_file(std::string_view file);

}  // namespace shoal::node
