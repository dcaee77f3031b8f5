// Volumes in spec/<service> values: they round-trip, only a spec with volumes says version 2
// (older peers refuse it instead of running it without its data), a version-1 spec from an
// older peer decodes with none, and hostile values are refused by the decoder or the gate.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "config/volume.hpp"
#include "node/peer/json_text.hpp"
#include "node/peer/spec_gate.hpp"
#include "node/peer/state_codec.hpp"

using namespace shoal;
using J = nlohmann::json;

namespace {

config::ServiceSpec db() {
  config::ServiceSpec s;
  s.name = "db";
  s.image = "postgres:16";
  s.volumes = {config::parse_volume("pgdata:/var/lib/postgresql/data"),
               config::parse_volume("/etc/pg:/etc/pg:ro")};
  return s;
}

// db()'s encoding with "volumes" replaced.
std::string with_volumes(const J& volumes) {
  J j = J::parse(node::encode_spec(db()));
  j["volumes"] = volumes;
  return node::json_text(j);
}

}  // namespace

TEST_CASE("spec volumes: round-trip, in order, as version 2", "[node][codec][volumes]") {
  const auto s = db();
  const std::string bytes = node::encode_spec(s);
  J j = J::parse(bytes);
  CHECK(j["v"] == 2);
  CHECK(j["volumes"] == J({"pgdata:/var/lib/postgresql/data", "/etc/pg:/etc/pg:ro"}));
  auto back = node::decode_spec(bytes);
  REQUIRE(back);
  CHECK(*back == s);
  auto gated = node::gate_spec("spec/db", bytes);
  REQUIRE(gated.spec);
  CHECK(*gated.spec == s);
}

TEST_CASE("spec volumes: a spec without volumes is version 1, byte for byte as before", "[node][codec][volumes]") {
  auto s = db();
  s.volumes.clear();
  const std::string bytes = node::encode_spec(s);
  J j = J::parse(bytes);
  CHECK(j["v"] == 1);
  CHECK_FALSE(j.contains("volumes"));
  // what a peer without volume support wrote: no "volumes" key (and no "mode")
  j.erase("mode");
  auto back = node::decode_spec(j.dump());
  REQUIRE(back);
  CHECK(back->volumes.empty());
  CHECK(*back == s);
}

TEST_CASE("spec volumes: hostile values are refused", "[node][codec][volumes]") {
  // malformed: the decoder refuses
  CHECK_FALSE(node::decode_spec(with_volumes("data:/data")));
  CHECK_FALSE(node::decode_spec(with_volumes(J::object())));
  CHECK_FALSE(node::decode_spec(with_volumes({1})));
  CHECK_FALSE(node::decode_spec(with_volumes({nullptr})));
  CHECK_FALSE(node::decode_spec(with_volumes(J::array({J::array({"a", "/b"})}))));
  J many = J::array();
  for (int i = 0; i < 100000; ++i) many.push_back("v:/d");
  CHECK_FALSE(node::decode_spec(with_volumes(many)));  // refused before 100,000 splits
  J v3 = J::parse(node::encode_spec(db()));
  v3["v"] = 3;
  CHECK_FALSE(node::decode_spec(v3.dump()));
  // well-formed but invalid: the gate refuses, saying why
  auto g = node::gate_spec("spec/db", with_volumes({"/srv/../etc:/x"}));
  CHECK_FALSE(g.spec);
  CHECK(g.error == "volumes[0] `/srv/../etc:/x`: the host path must not hold a `..` component");
  CHECK_FALSE(node::gate_spec("spec/db", with_volumes({"data:/"})).spec);
  CHECK_FALSE(node::gate_spec("spec/db", with_volumes({"data:/d:rw,z"})).spec);
  CHECK_FALSE(node::gate_spec("spec/db", with_volumes({"$(rm -rf /):/d"})).spec);
  CHECK_FALSE(node::gate_spec("spec/db", with_volumes({"data:/d", "other:/d"})).spec);
  CHECK_FALSE(node::gate_spec("spec/db", with_volumes({"/a\nb:/d"})).spec);
  J sixty_five = J::array();
  for (int i = 0; i < 65; ++i) sixty_five.push_back("v" + std::to_string(i) + ":/d" + std::to_string(i));
  CHECK(node::gate_spec("spec/db", with_volumes(sixty_five)).error ==
        "volumes: 65 volumes, more than 64");
  // bytes that are not UTF-8 do not parse as JSON; a NUL arrives escaped and is refused
  std::string bytes = node::encode_spec(db());
  bytes.replace(bytes.find("pgdata"), 1, "\xff");
  CHECK_FALSE(node::decode_spec(bytes));
  auto raw = node::gate_spec("spec/db", with_volumes(J::array({std::string("/a\0b:/d", 7)})));
  CHECK_FALSE(raw.spec);
  CHECK(raw.error == "volumes[0]: the host path holds a control character");
}
