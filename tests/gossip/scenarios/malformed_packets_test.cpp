// Random and mutated packets fed to handle_packet: no crash, no undefined behaviour (this also
// runs under ASan+UBSan), and every malformed packet counted.
#include <catch2/catch.hpp>

#include <algorithm>

#include "cluster_util.hpp"
#include "gossip/member_check.hpp"
#include "gossip/wire.hpp"

using namespace shoal::gossip;
using namespace shoal::gossip::testing;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr std::size_t kPackets = 200'000;  // the sanitizer build; Release runs a million
#else
constexpr std::size_t kPackets = 1'000'000;
#endif

std::vector<Bytes> make_corpus() {
  SimNet net(41);
  net.capture(20'000);
  start_cluster(net, 12, lan());
  net.at(10 * kSeconds, [&] { net.crash(4); });
  net.at(12 * kSeconds, [&] { net.leave(6); });
  for (int k = 0; k < 30; ++k)  // state deltas, oversized values and state push-pulls too
    net.at((2 + k) * kSeconds, [&net, k] {
      net.put(static_cast<std::size_t>(k % 12), "spec/s" + std::to_string(k % 7),
              Bytes(static_cast<std::size_t>(20 + (k * 97) % (k % 5 == 0 ? 3000 : 400)),
                    std::byte{static_cast<unsigned char>(k)}));
    });
  net.at(20 * kSeconds, [&] { net.erase(2, "spec/s3"); });
  net.run_until(40 * kSeconds);
  return net.captured();
}

Bytes mutate(Rng& rng, const std::vector<Bytes>& corpus) {
  const Bytes& base = corpus[rng.below(corpus.size())];
  Bytes b = base;
  switch (rng.below(7)) {
    case 0: {  // pure noise
      b.resize(rng.below(1500));
      for (auto& x : b) x = std::byte(rng.next() & 0xff);
      if (b.size() > 1 && rng.chance(1, 2)) b[0] = std::byte{wire::kProtocolVersion};
      break;
    }
    case 1: {  // bit flips
      std::size_t flips = 1 + rng.below(4);
      for (std::size_t i = 0; i < flips && !b.empty(); ++i)
        b[rng.below(b.size())] ^= std::byte(1u << rng.below(8));
      break;
    }
    case 2:  // truncation
      b.resize(rng.below(b.size() + 1));
      break;
    case 3: {  // splice two packets
      const Bytes& other = corpus[rng.below(corpus.size())];
      std::size_t cut = rng.below(b.size() + 1), from = rng.below(other.size() + 1);
      b.resize(cut);
      b.insert(b.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
      break;
    }
    case 4: {  // byte set to an interesting value
      static const std::uint8_t kVals[] = {0x00, 0xff, 0x7f, 0x80, 0xc0, 0xc1, 0xdc, 0xdd,
                                           0xde, 0xdf, 0xc4, 0xc5, 0xc6, 0xd9, 0xda, 0xdb};
      if (!b.empty()) b[rng.below(b.size())] = std::byte{kVals[rng.below(16)]};
      break;
    }
    case 5: {  // insert random bytes
      std::size_t at = rng.below(b.size() + 1), n = 1 + rng.below(8);
      Bytes ins(n);
      for (auto& x : ins) x = std::byte(rng.next() & 0xff);
      b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), ins.begin(), ins.end());
      break;
    }
    default: {  // duplicate a range
      if (b.empty()) break;
      std::size_t a = rng.below(b.size()), len = 1 + rng.below(b.size() - a);
      Bytes dup(b.begin() + static_cast<std::ptrdiff_t>(a),
                b.begin() + static_cast<std::ptrdiff_t>(a + len));
      b.insert(b.begin() + static_cast<std::ptrdiff_t>(rng.below(b.size() + 1)), dup.begin(),
               dup.end());
      break;
    }
  }
  return b;
}

}  // namespace

TEST_CASE("fuzz: random and mutated packets never crash the engine and are counted") {
  const std::uint64_t seed = 42;
  std::vector<Bytes> corpus = make_corpus();
  REQUIRE(corpus.size() > 1000);
  Rng rng(seed);
  const Address me{"10.0.0.2", 7950};  // p1's address: pings in the corpus name it
  const Address from{"10.0.0.1", 7950};
  auto fresh = [&](Micros now) {
    auto e = std::make_unique<Engine>(Identity{"p1", me, 0, {}}, lan(), seed);
    Outbox out;
    Address seeds[] = {from};
    e->join(Clock{now, now}, seeds, out);
    return e;
  };
  Micros now = 0;
  auto engine = fresh(now);

  // Pristine packets are all accepted.
  std::uint64_t malformed_before = engine->stats().packets_malformed;
  Outbox out;
  for (const auto& p : corpus) {
    now += 100;
    engine->handle_packet(Clock{now, now}, from, Channel::udp, p, out);
    out.clear();
  }
  CHECK(engine->stats().packets_malformed == malformed_before);

  std::size_t expected_malformed = 0, counted_malformed = 0, fed = 0;
  std::vector<wire::Message> scratch;
  for (std::size_t i = 0; i < kPackets; ++i) {
    if (i % 50'000 == 0) {  // a fresh engine now and then keeps random members from piling up
      counted_malformed += engine->stats().packets_malformed - malformed_before;
      engine = fresh(now);
      malformed_before = engine->stats().packets_malformed;
    }
    Bytes b = mutate(rng, corpus);
    // Malformed: fails to decode, or decodes with a bad member name or address (member_check).
    wire::PacketView view;
    if (!wire::decode(b, scratch) || !wire::decode_view(b, view) || !check_members(view))
      ++expected_malformed;
    now += 50;
    Channel ch = rng.chance(1, 8) ? Channel::stream : Channel::udp;
    engine->handle_packet(Clock{now, now}, from, ch, b, out);
    ++fed;
    if (i % 64 == 0) engine->handle_tick(Clock{now, now}, out);
    out.clear();
  }
  counted_malformed += engine->stats().packets_malformed - malformed_before;
  std::printf("[measure] fuzz: %zu mutated packets (seed %llu), %zu malformed and counted\n", fed,
              static_cast<unsigned long long>(seed), counted_malformed);
  CHECK(fed == kPackets);
  CHECK(counted_malformed == expected_malformed);
  CHECK(counted_malformed > kPackets / 4);
  CHECK(counted_malformed < kPackets);  // some mutations stay valid and are processed
}
