// Query-string values, encoded by the CLI and decoded by the API.
#include <catch2/catch.hpp>

#include "node/peer/query_string.hpp"

using shoal::node::percent_decode;
using shoal::node::percent_encode;

TEST_CASE("query string: encoded and decoded back, hostile escapes refused", "[node][peer][api]") {
  CHECK(percent_encode("web/2 {\"a\":1}") == "web%2F2%20%7B%22a%22%3A1%7D");
  CHECK(percent_encode("a,b", ",") == "a,b");
  CHECK(percent_encode("a,b") == "a%2Cb");
  for (const char* s : {"", "p1,p2", "{\"p1\":{\"x\":3}}", "\xff\x00z"})
    CHECK(percent_decode(percent_encode(s), false) == std::string(s));
  CHECK(percent_decode("a+b", true) == "a b");
  CHECK(percent_decode("a+b", false) == "a+b");
  CHECK(percent_decode("%4", false) == std::nullopt);
  CHECK(percent_decode("%zz", false) == std::nullopt);
  CHECK(percent_decode("%", false) == std::nullopt);
  CHECK(percent_decode("%41%61", false) == "Aa");
}
