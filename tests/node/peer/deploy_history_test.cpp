// `shoal history` and `shoal revert` from a spec value's record: the entries with the live
// outcome, a value from an older peer (no record), and what revert refuses and why.
#include <catch2/catch.hpp>

#include "gossip/bytes.hpp"
#include "gossip/store.hpp"
#include "node/peer/deploy_history.hpp"
#include "node/peer/spec_history.hpp"
#include "node/peer/state_codec.hpp"
#include "placement/spec_hash.hpp"

using namespace shoal;

namespace {

config::ServiceSpec history_web(int v) {
  config::ServiceSpec s;
  s.name = "web";
  s.command = {"sleep", "1000"};
  s.env["V"] = std::to_string(v);
  return s;
}

void publish(gossip::Store& st, std::int64_t ms, const config::ServiceSpec& s, const std::string& outcome) {
  st.put(ms * 1000, "spec/web",
         gossip::string_to_bytes(node::spec_value(
             node::encode_spec(s), node::current_value(st.find("spec/web"), outcome), ms, st.self())));
}

}  // namespace

TEST_CASE("history: entries with the live outcome, an older peer's value has one", "[node][deploy]") {
  gossip::Store st("p0");
  CHECK(node::history_json(nullptr, "rolling").empty());
  st.put(1'700'000'000'000'000, "spec/web", gossip::string_to_bytes(node::encode_spec(history_web(1))));
  auto h = node::history_json(st.find("spec/web"), "healthy");
  REQUIRE(h.size() == 1);
  CHECK(h[0]["version"] == 1);
  CHECK(h[0]["origin"] == "p0");
  CHECK(h[0]["time"] == "2023-11-14T22:13:20.000Z");
  CHECK(h[0]["spec_hash"] == placement::spec_hash(history_web(1)));
  CHECK(h[0]["outcome"] == "healthy");
  publish(st, 1'700'000'001'000, history_web(2), "healthy");
  h = node::history_json(st.find("spec/web"), "failed");
  REQUIRE(h.size() == 2);
  CHECK(h[0]["outcome"] == "healthy");
  CHECK(h[1]["version"] == 2);
  CHECK(h[1]["outcome"] == "failed");
}

TEST_CASE("revert: the last healthy version as a new one, refusals say why", "[node][deploy]") {
  gossip::Store st("p0");
  CHECK(node::plan_revert("web", nullptr, "", "", 0, "p1").status == 404);
  publish(st, 1'000, history_web(1), "");
  auto none = node::plan_revert("web", st.find("spec/web"), "", "rolling", 2'000, "p1");
  CHECK(none.status == 409);
  CHECK(none.error == "service `web` has no earlier healthy version to revert to");
  publish(st, 2'000, history_web(2), "healthy");
  const std::string h1 = placement::spec_hash(history_web(1)), h2 = placement::spec_hash(history_web(2));
  auto other = node::plan_revert("web", st.find("spec/web"), "7", "failed", 3'000, "p1");
  CHECK(other.status == 409);
  CHECK(other.error == "version 7 of `web` cannot be restored: only the last healthy version's "
                       "content is kept (version 1, " + h1 + ")");
  for (const std::string to : {std::string(), std::string("1"), h1}) {
    auto p = node::plan_revert("web", st.find("spec/web"), to, "reverted", 3'000, "p1");
    REQUIRE(p.status == 200);
    CHECK(p.from == h2);
    CHECK(p.to == h1);
    CHECK(p.version == 1);
    CHECK(placement::spec_hash(*node::decode_spec(p.value)) == h1);
    const auto rec = node::read_record(p.value);
    CHECK(rec.revert_of == 1);
    REQUIRE(rec.history.size() == 3);
    CHECK(rec.history[1].outcome == "reverted");
    CHECK(rec.history[2].origin == "p1");
  }
  st.put(4'000'000, "spec/web",
         gossip::string_to_bytes(node::plan_revert("web", st.find("spec/web"), "", "reverted", 4'000, "p1").value));
  auto again = node::plan_revert("web", st.find("spec/web"), "", "healthy", 5'000, "p1");
  CHECK(again.status == 409);  // the healthy version is in force already
}
