// Property: whatever bytes a file holds, parsing returns a value or positioned diagnostics,
// sorted, and never throws or crashes (the ASan build runs this too). Inputs are random
// mutations of valid files, from a seeded PRNG; the seed is printed on failure and can be set
// with Catch's --rng-seed.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "gossip/splitmix64.hpp"
#include "config/parse.hpp"

using namespace shoal::config;

namespace {

struct SplitMix64 {
  std::uint64_t s;
  std::uint64_t next() { return shoal::gossip::splitmix64(s); }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
};

const char* const kSeeds[] = {
    R"([service.web]
image = "nginx"
replicas = 3
ports = { http = 8080, admin = { container = 9000, host = 19000 } }
env = { MODE = "prod" }
resources = { cpu = 0.5, memory = "256MiB" }
restart = { condition = "any", delay = "2s", max_delay = "1m", max_attempts = 0 }
health = { http = "/healthz", port = "http", interval = "5s", timeout = "2s", retries = 3 }
placement = { constraints = ["zone != eu-3", "label.ssd in [true, 'a b']"], spread = "zone" }
stop_grace = "10s"
)",
    R"(name = "host-a"
bind = "0.0.0.0:7950"
advertise = "[::1]:7950"
join = ["10.0.0.4:7950"]
labels = { ssd = "true" }
resources = { cpu = "auto", memory = "4GiB" }
gossip = { profile = "lan", probe_interval = "1s", gossip_nodes = 3 }
api = { listen = "127.0.0.1:7951" }
runtime = { driver = "process", orphan_timeout = "60s" }
dns = { listen = "127.0.0.1:7953", domain = "shoal" }
)"};

const std::string kAlphabet = "[]{}=\",.'#\n -_09azAZ:msh\\\x01\xc3\xa9\xff";

std::string mutate(std::string text, SplitMix64& rng) {
  const int edits = 1 + static_cast<int>(rng.below(4));
  for (int e = 0; e < edits; ++e) {
    const std::size_t at = text.empty() ? 0 : rng.below(text.size());
    switch (rng.below(4)) {
      case 0:
        if (!text.empty()) text.erase(at, 1);
        break;
      case 1: text.insert(at, 1, kAlphabet[rng.below(kAlphabet.size())]); break;
      case 2:
        if (!text.empty()) text[at] = kAlphabet[rng.below(kAlphabet.size())];
        break;
      default: {  // duplicate a slice
        const std::size_t len = rng.below(20);
        text.insert(at, text.substr(at, len));
      }
    }
  }
  return text;
}

template <typename T>
void check_result(const Parsed<T>& r) {
  CHECK(r.ok() == r.value.has_value());
  CHECK(r.ok() == r.errors.empty());
  for (std::size_t i = 0; i < r.errors.size(); ++i) {
    CHECK(r.errors[i].path == "m.toml");
    CHECK(r.errors[i].line >= 1);
    CHECK(r.errors[i].col >= 1);
    CHECK_FALSE(r.errors[i].message.empty());
    if (i > 0) {
      const auto& a = r.errors[i - 1];
      const auto& b = r.errors[i];
      CHECK((a.line < b.line || (a.line == b.line && a.col <= b.col)));
    }
  }
}

}  // namespace

TEST_CASE("mutated files yield a value or sorted positioned errors", "[config][property]") {
  const std::uint64_t seed = Catch::rngSeed() != 0 ? Catch::rngSeed() : 20261126;
  INFO("seed " << seed << " (replay: config_tests --rng-seed " << seed << ")");
  SplitMix64 rng{seed};
  int ok = 0, bad = 0;
  for (int i = 0; i < 1500; ++i) {
    const std::string text = mutate(kSeeds[rng.below(2)], rng);
    CAPTURE(text);
    REQUIRE_NOTHROW(detect_kind(text));
    if (detect_kind(text) == FileKind::service) {
      auto r = parse_service_file(text, "m.toml");
      check_result(r);
      (r.ok() ? ok : bad)++;
    } else {
      auto r = parse_peer_file(text, "m.toml");
      check_result(r);
      (r.ok() ? ok : bad)++;
    }
  }
  // Both outcomes occur, so the property is not vacuous.
  CHECK(ok > 0);
  CHECK(bad > 0);
}
