// Any bytes as a gossiped value: spec/<name> through the spec gate (decode, then validate, as a
// peer does before placing it) and status/<peer> through its decoder.
#include "node/peer/spec_gate.hpp"
#include "node/peer/state_codec.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto split = shoal::fuzz::split(data, size);
  const auto text = shoal::fuzz::text(split.data, split.size);
  if (split.second) {
    (void)shoal::node::decode_status(text);
  } else {
    (void)shoal::node::gate_spec("spec/web", text);
  }
  return 0;
}
