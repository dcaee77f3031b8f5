// data_dir/state's header: a good file round-trips, a damaged or truncated one is refused, a
// bare snapshot from before the header is read as it is.
#include <catch2/catch.hpp>

#include <sodium.h>

#include "node/state_file.hpp"

using shoal::node::decode_state_file;
using shoal::node::encode_state_file;

TEST_CASE("state file: round trip, every flipped byte and every truncation refused",
          "[node][persist]") {
  REQUIRE(sodium_init() >= 0);
  const std::string snap = std::string("\x94\x01\x07\x90\x90", 5) + std::string(300, 'v');
  const std::string file = encode_state_file(snap);
  auto ok = decode_state_file(file);
  REQUIRE(ok.error.empty());
  CHECK(ok.snapshot == snap);
  for (std::size_t i = 0; i < file.size(); ++i) {
    std::string bad = file;
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    auto r = decode_state_file(bad);
    INFO("byte " << i);
    // A flip in the magic makes it a bare snapshot (the snapshot decoder refuses it); any
    // other flip is caught here.
    if (i >= 14) CHECK_FALSE(r.error.empty());
  }
  for (std::size_t n = 14; n < file.size(); ++n) {
    INFO("length " << n);
    CHECK_FALSE(decode_state_file(std::string_view(file).substr(0, n)).error.empty());
  }
}

TEST_CASE("state file: a bare snapshot (no header) is read as it is", "[node][persist]") {
  const std::string bare("\x94\x01\x00\x90\x90", 5);
  auto r = decode_state_file(bare);
  CHECK(r.error.empty());
  CHECK(r.snapshot == bare);
  CHECK(decode_state_file("").snapshot.empty());
}
