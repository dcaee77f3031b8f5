// `shoal events`' text line for an event, from hostile or partial JSON too.
#include <catch2/catch.hpp>

#include "node/cli_events.hpp"

using shoal::node::event_line;
using Json = nlohmann::json;

TEST_CASE("events line: time, kind, peer, service/index, reason", "[node][events][cli]") {
  const Json dead{{"seq", 4},           {"ts", "2026-12-07T03:00:00.123Z"}, {"kind", "member.dead"},
                  {"peer", "p2"},       {"service", nullptr},              {"index", nullptr},
                  {"reason", "reported by p3"}};
  CHECK(event_line(dead) == "2026-12-07T03:00:00.123Z  member.dead  p2  reported by p3");
  const Json running{{"ts", "2026-12-07T03:00:01.000Z"}, {"kind", "instance.running"},
                     {"peer", "p1"}, {"service", "web"}, {"index", 2}, {"reason", ""}};
  CHECK(event_line(running) == "2026-12-07T03:00:01.000Z  instance.running  p1  web/2");
}

TEST_CASE("events line: missing or mistyped fields print as -, never throw",
          "[node][events][cli]") {
  CHECK(event_line(Json::object()) == "-  -  -");
  CHECK(event_line(Json{{"ts", 5}, {"kind", "spec.changed"}, {"service", "web"},
                        {"index", "x"}}) == "-  spec.changed  -  web");
  CHECK_NOTHROW(event_line(Json::array()));
  CHECK_NOTHROW(event_line(Json("text")));
}
