// GET /v1/catalog/<service>'s target: the service, the blocking query's index and wait.
#include <catch2/catch.hpp>

#include "node/peer/catalog_query.hpp"

using shoal::node::parse_catalog_query;
using shoal::node::parse_wait;

TEST_CASE("catalog query: service alone answers at once, waits 5 minutes by default",
          "[node][peer][catalog]") {
  auto r = parse_catalog_query("/v1/catalog/web");
  REQUIRE(r.query);
  CHECK(r.query->service == "web");
  CHECK_FALSE(r.query->index);
  CHECK(r.query->wait == 5 * 60 * 1000);
}

TEST_CASE("catalog query: index and wait, other parameters ignored", "[node][peer][catalog]") {
  auto r = parse_catalog_query("/v1/catalog/web-2?stale&index=18446744073709551615&wait=1m30s");
  REQUIRE(r.query);
  CHECK(r.query->service == "web-2");
  CHECK(*r.query->index == 18446744073709551615ULL);
  CHECK(r.query->wait == 90000);
  CHECK(parse_catalog_query("/v1/catalog/web?wait=2s&index=7").query->wait == 2000);
}

TEST_CASE("catalog query: bad values are errors that say what was wrong", "[node][peer][catalog]") {
  for (const char* t : {"/v1/catalog/web?index=", "/v1/catalog/web?index=-1",
                        "/v1/catalog/web?index=12x", "/v1/catalog/web?index=+3",
                        "/v1/catalog/web?index=18446744073709551616"}) {
    auto r = parse_catalog_query(t);
    CHECK_FALSE(r.query);
    CHECK(r.error.rfind("index:", 0) == 0);
  }
  for (const char* t : {"/v1/catalog/web?wait=", "/v1/catalog/web?wait=30",
                        "/v1/catalog/web?wait=-3s", "/v1/catalog/web?wait=3x",
                        "/v1/catalog/web?wait=1s2m"}) {
    auto r = parse_catalog_query(t);
    CHECK_FALSE(r.query);
    CHECK(r.error.rfind("wait:", 0) == 0);
  }
  for (const char* t : {"/v1/catalog/", "/v1/catalog/Web", "/v1/catalog/a/b", "/v1/catalog/%2e%2e",
                        "/v1/catalog/-web"}) {
    auto r = parse_catalog_query(t);
    CHECK_FALSE(r.query);
    CHECK(r.error.rfind("bad service name", 0) == 0);
  }
  // A hostile value is shown cut short.
  auto r = parse_catalog_query("/v1/catalog/web?wait=" + std::string(10000, 'x'));
  CHECK(r.error.size() < 200);
}

TEST_CASE("catalog query: wait is a duration, cut to 10 minutes", "[node][peer][catalog]") {
  CHECK(*parse_wait("30s") == 30000);
  CHECK(*parse_wait("2m") == 120000);
  CHECK(*parse_wait("500ms") == 500);
  CHECK(*parse_wait("0") == 0);
  CHECK(*parse_wait("1h") == 10 * 60 * 1000);
  CHECK_FALSE(parse_wait("5"));
  CHECK_FALSE(parse_wait("soon"));
}
