// Any bytes as a push-pull message (digest and entries) handled by a store that holds live
// entries and a tombstone, and as a state delta batch merged into it.
#include <memory>

#include "gossip/store.hpp"
#include "tests/fuzz/fuzz.hpp"

using namespace shoal::gossip;

namespace {

std::unique_ptr<Store> seeded_store() {
  auto s = std::make_unique<Store>("p1");
  s->put(1'000'000, "spec/web", string_to_bytes("{\"name\":\"web\"}"));
  s->put(1'000'001, "status/p1", string_to_bytes("{}"));
  s->put(1'000'002, "spec/old", string_to_bytes("x"));
  s->erase(1'000'003, "spec/old");
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::unique_ptr<Store> store;
  static std::uint64_t calls = 0;
  if (!store || ++calls % 10000 == 0) store = seeded_store();
  const auto split = shoal::fuzz::split(data, size);
  const auto in = shoal::fuzz::bytes(split.data, split.size);
  const std::int64_t wall = 2'000'000 + static_cast<std::int64_t>(calls);
  if (split.second) {
    (void)store->merge_encoded(wall, in);
  } else {
    (void)store->handle_push_pull_encoded(wall, in);
  }
  (void)store->take_deltas(1200, 3);
  return 0;
}
