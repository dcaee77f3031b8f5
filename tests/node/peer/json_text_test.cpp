// JSON output never throws on bytes that are not UTF-8 (what nlohmann's dump() does).
#include <catch2/catch.hpp>

#include "node/peer/json_text.hpp"

TEST_CASE("json_text: bytes that are not UTF-8 are replaced, never thrown on", "[node][json]") {
  const nlohmann::json j{{"name", "n\xff"}, {"list", {"ok", "\xc3"}}};
  CHECK_THROWS(j.dump());
  std::string text;
  REQUIRE_NOTHROW(text = shoal::node::json_text(j));
  CHECK(text == "{\"list\":[\"ok\",\"\xef\xbf\xbd\"],\"name\":\"n\xef\xbf\xbd\"}");
  CHECK(shoal::node::json_text(j, 2).find('\n') != std::string::npos);
}
