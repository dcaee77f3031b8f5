// Any bytes as a sealed packet: the header (version, channel, timestamp, nonce) read before the
// key is tried, and the freshness check of whatever opens.
#include "gossip/seal.hpp"
#include "tests/fuzz/fuzz.hpp"

using namespace shoal::gossip;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const SealKey keys[2] = {SealKey{}, [] {
                                    SealKey k{};
                                    k[0] = std::byte{1};
                                    return k;
                                  }()};
  auto opened = open_packet(keys, "shoal", shoal::fuzz::bytes(data, size));
  if (opened.ok()) (void)seal_fresh(opened->stamp, Channel::udp, 0, 10000);
  return 0;
}
