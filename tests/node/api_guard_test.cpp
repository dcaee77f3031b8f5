// Who may call the API (node/api_guard.hpp): the Host check against DNS rebinding, no Origin
// and a JSON content type for mutations, the unix socket as authority, the token over TCP.
#include <sodium.h>

#include <catch2/catch.hpp>

#include "node/api_guard.hpp"

using shoal::node::ApiGuard;
using shoal::node::HttpRequest;
using shoal::node::check_api_request;
using shoal::node::host_allowed;

namespace {

HttpRequest tcp_post(std::string host = "127.0.0.1:7951") {
  HttpRequest r;
  r.method = "POST";
  r.target = "/v1/apply";
  r.host = std::move(host);
  r.has_host = true;
  r.content_type = "application/json";
  r.from_loopback = true;
  return r;
}

int status(const HttpRequest& r, const ApiGuard& g) {
  auto refused = check_api_request(r, g);
  return refused ? refused->status : 0;
}

}  // namespace

TEST_CASE("Host: IP literals, localhost, the listen host and the peer's name only",
          "[node][api][security]") {
  const std::vector<std::string> allowed{"0.0.0.0", "host-a"};
  for (const char* ok : {"127.0.0.1", "127.0.0.1:7951", "10.1.2.3:80", "[::1]:7951", "[::1]",
                         "[fe80::1]:1", "localhost", "LOCALHOST:7951", "host-a", "Host-A:7951"}) {
    INFO(ok);
    CHECK(host_allowed(ok, allowed));
  }
  for (const char* bad : {"evil.example", "evil.example:7951", "127.0.0.1.evil.example",
                          "localhost.evil.example", "", ":7951", "127.0.0.1:", "127.0.0.1:x",
                          "[::1", "[::1]x", "[evil.example]:1", "host-a:1:2", "::1",
                          "127.0.0.1:123456", "localhost:7951/x", "0x7f.0.0.1"}) {
    INFO(bad);
    CHECK_FALSE(host_allowed(bad, allowed));
  }
}

TEST_CASE("bearer_matches: the exact token only, whatever its length",
          "[node][api][security]") {
  REQUIRE(sodium_init() >= 0);
  using shoal::node::bearer_matches;
  CHECK(bearer_matches("Bearer s3cret", "s3cret"));
  CHECK_FALSE(bearer_matches("Bearer s3creT", "s3cret"));  // right length, wrong token
  CHECK_FALSE(bearer_matches("Bearer s3cre", "s3cret"));
  CHECK_FALSE(bearer_matches("Bearer s3crett", "s3cret"));
  CHECK_FALSE(bearer_matches("bearer s3cret", "s3cret"));
  CHECK_FALSE(bearer_matches("s3cret", "s3cret"));
  CHECK_FALSE(bearer_matches("Bearer ", ""));  // no token configured: nothing matches
  CHECK_FALSE(bearer_matches("", ""));
}

TEST_CASE("check_api_request: who may read and who may change", "[node][api][security]") {
  REQUIRE(sodium_init() >= 0);
  ApiGuard none{"", {"127.0.0.1"}, "/var/lib/shoal/api.sock"};
  ApiGuard tok{"s3cret", {"0.0.0.0"}, "/var/lib/shoal/api.sock"};

  SECTION("reads are open over TCP with a good Host, refused with another") {
    HttpRequest g = tcp_post();
    g.method = "GET";
    g.content_type.clear();
    g.has_origin = true;  // a page may not read either way (no CORS), but GETs change nothing
    CHECK(status(g, none) == 0);
    g.host = "evil.example:7951";
    CHECK(status(g, none) == 421);
    g.has_host = false;
    g.host.clear();
    CHECK(status(g, none) == 421);
  }
  SECTION("mutations over TCP without a token configured: refused, even from loopback") {
    auto refused = check_api_request(tcp_post(), none);
    REQUIRE(refused);
    CHECK(refused->status == 403);
    CHECK(refused->message.find("/var/lib/shoal/api.sock") != std::string::npos);
    CHECK(refused->message.find("api.token_file") != std::string::npos);
  }
  SECTION("mutations over TCP with a token: the right one only") {
    HttpRequest r = tcp_post("10.0.0.5:7951");
    CHECK(status(r, tok) == 403);
    r.authorization = "Bearer s3creX";
    CHECK(status(r, tok) == 403);
    r.authorization = "Bearer s3cret";
    CHECK(status(r, tok) == 0);
    r.content_type = "application/json; charset=utf-8";
    CHECK(status(r, tok) == 0);
    r.method = "DELETE";
    CHECK(status(r, tok) == 0);
  }
  SECTION("a web page: Origin or a non-JSON body refused even with the token") {
    HttpRequest r = tcp_post();
    r.authorization = "Bearer s3cret";
    r.has_origin = true;
    r.origin = "https://evil.example";
    CHECK(status(r, tok) == 403);
    r.has_origin = false;
    for (const char* ct : {"text/plain", "application/x-www-form-urlencoded",
                           "multipart/form-data; boundary=x", "", "application/jsonx"}) {
      INFO(ct);
      r.content_type = ct;
      CHECK(status(r, tok) == 415);
    }
  }
  SECTION("the unix socket: mutations authorized, still no Origin and JSON only") {
    HttpRequest r = tcp_post("anything");
    r.via_unix = true;
    r.from_loopback = false;
    CHECK(status(r, none) == 0);
    r.has_host = false;
    CHECK(status(r, none) == 0);
    r.has_origin = true;
    CHECK(status(r, none) == 403);
    r.has_origin = false;
    r.content_type = "text/plain";
    CHECK(status(r, none) == 415);
  }
}
