// Any bytes as data_dir/state: the header and hash check, then the snapshot restored into a
// store (what a peer does at start with whatever its disk holds).
#include "gossip/store.hpp"
#include "node/state_file.hpp"
#include "tests/fuzz/fuzz.hpp"

using namespace shoal::gossip;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Half the inputs skip the hash check, so the fuzzer reaches the snapshot decoder.
  const auto split = shoal::fuzz::split(data, size);
  const bool raw = split.second;
  const auto text = shoal::fuzz::text(split.data, split.size);
  std::string_view snapshot = text;
  if (!raw) {
    const auto file = shoal::node::decode_state_file(text);
    if (!file.error.empty()) return 0;
    snapshot = file.snapshot;
  }
  const auto* b = reinterpret_cast<const std::byte*>(snapshot.data());
  auto restored = Store::restore(ByteView(b, snapshot.size()), "p1", StoreConfig{}, 5'000'000);
  if (restored.ok()) (void)restored->snapshot();
  return 0;
}
