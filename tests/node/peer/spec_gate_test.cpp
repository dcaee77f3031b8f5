// The gate on gossiped spec/<name> values: key == name, the config validator's limits, a list
// of the refused ones with their writer. Values are crafted as JSON text, as an attacker (or a
// buggy peer) would write them, not only through encode_spec.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "gossip/store.hpp"
#include "node/peer/spec_gate.hpp"
#include "node/peer/state_codec.hpp"

using namespace shoal;

namespace {

config::ServiceSpec gate_web() {
  config::ServiceSpec s;
  s.name = "web";
  s.command = {"sleep", "100"};
  s.replicas = 2;
  return s;
}

// The encoded spec with one JSON field replaced.
std::string with(const std::string& field, const nlohmann::json& value) {
  auto j = nlohmann::json::parse(node::encode_spec(gate_web()));
  j[field] = value;
  return j.dump();
}

}  // namespace

TEST_CASE("spec gate: a valid spec under its own key passes", "[node][spec_gate]") {
  auto g = node::gate_spec("spec/web", node::encode_spec(gate_web()));
  REQUIRE(g.spec);
  CHECK(*g.spec == gate_web());
  CHECK(g.error.empty());
}

TEST_CASE("spec gate: key and name must agree", "[node][spec_gate]") {
  auto g = node::gate_spec("spec/api", node::encode_spec(gate_web()));
  CHECK_FALSE(g.spec);
  CHECK(g.error == "stored under `spec/api` but names itself `web`");
  CHECK_FALSE(node::gate_spec("status/web", node::encode_spec(gate_web())).spec);
}

TEST_CASE("spec gate: huge and negative numbers are refused", "[node][spec_gate]") {
  auto g = node::gate_spec("spec/web", with("replicas", 2147483647));
  CHECK_FALSE(g.spec);
  CHECK(g.error == "replicas must be from 0 to 10000, not 2147483647");
  CHECK_FALSE(node::gate_spec("spec/web", with("replicas", -5)).spec);
  CHECK_FALSE(node::gate_spec("spec/web", with("memory_mib", INT64_MAX)).spec);
  CHECK_FALSE(node::gate_spec("spec/web", with("cpu_milli", -1)).spec);
  CHECK_FALSE(node::gate_spec("spec/web", with("stop_grace", -1)).spec);
  CHECK_FALSE(node::gate_spec("spec/web", with("max_per_peer", -1)).spec);
  CHECK_FALSE(node::gate_spec("spec/web", with("restart", {"any", -1, 10, 0})).spec);
  CHECK_FALSE(node::gate_spec("spec/web", with("ports", {{"http", 0, nullptr}})).spec);
  // Out of the C++ type's range: the decoder refuses it (no wrap).
  CHECK_FALSE(node::gate_spec("spec/web", with("replicas", 4294967296LL)).spec);
  CHECK_FALSE(node::gate_spec("spec/web", with("ports", {{"http", 70000, nullptr}})).spec);
  CHECK(node::gate_spec("spec/web", with("replicas", 10000)).spec);
  CHECK_FALSE(node::gate_spec("spec/web", with("replicas", 2.5)).spec);
  CHECK_FALSE(node::gate_spec("spec/web", with("spread", "everywhere")).spec);
  CHECK_FALSE(node::gate_spec("spec/web", with("restart", {"sometimes", 1000, 60000, 0})).spec);
}

TEST_CASE("spec gate: a bad name never reaches JSON unprintable", "[node][spec_gate]") {
  auto g = node::gate_spec("spec/w\xff", with("name", "Web Server"));
  CHECK_FALSE(g.spec);
  CHECK(g.error == "stored under `spec/w?` but names itself `Web Server`");
  CHECK(node::printable("ok\xc3\xa9\xff\xc3") == "ok\xc3\xa9??");
}

TEST_CASE("spec gate over a store: refused entries listed once, counted once", "[node][spec_gate]") {
  gossip::Store store("self");
  std::uint64_t hlc = 1;
  auto put = [&](const std::string& key, const std::string& value) {
    const auto* b = reinterpret_cast<const std::byte*>(value.data());
    store.put(hlc++, key, gossip::Bytes(b, b + value.size()));
  };
  put("spec/web", node::encode_spec(gate_web()));
  put("spec/bomb", with("replicas", 2147483647));
  node::SpecGate gate;
  std::vector<node::InvalidSpec> fresh;
  auto specs = gate.specs(store, &fresh);
  REQUIRE(specs.size() == 1);
  CHECK(specs[0].name == "web");
  REQUIRE(gate.invalid().size() == 1);
  CHECK(gate.invalid()[0].service == "bomb");
  CHECK(gate.invalid()[0].origin == "self");
  CHECK(gate.refused() == 1);
  CHECK(fresh.size() == 1);
  fresh.clear();
  gate.specs(store, &fresh);
  CHECK(fresh.empty());
  CHECK(gate.refused() == 1);
}

TEST_CASE("spec gate: mutated values never throw, and what passes is valid", "[node][spec_gate]") {
  std::uint64_t x = 12345;  // xorshift: a fixed sequence
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  const std::string base = node::encode_spec(gate_web());
  static const char* kSwaps[] = {"-1", "2147483648", "1e300", "\"\\u0000\"", "\"\xff\"", "null",
                                 "[]", "{}", "9223372036854775808", "0.5", "true"};
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string b = base;
    const std::size_t at = next() % b.size();
    switch (next() % 3) {
      case 0: b[at] = static_cast<char>(next() & 0xff); break;
      case 1: b.insert(at, kSwaps[next() % std::size(kSwaps)]); break;
      default: b.erase(at, 1 + next() % 8); break;
    }
    node::GatedSpec g;
    REQUIRE_NOTHROW(g = node::gate_spec("spec/web", b));
    if (g.spec) {
      ++accepted;
      CHECK(config::validate(*g.spec).empty());
      CHECK(g.spec->name == "web");
    } else {
      CHECK_FALSE(g.error.empty());
    }
  }
  CHECK(accepted > 0);
}
