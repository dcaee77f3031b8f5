// ApiRoutes: the API's table, without a process: the guard first, then method and path.
#include <catch2/catch.hpp>

#include "node/api_routes.hpp"

using namespace shoal::node;

namespace {

// Each handler answers its own status, and remembers the rest of the path it was given.
struct Table {
  std::string rest_seen;
  ApiRoutes routes{{
      {"GET", "/v1/status", [](const HttpRequest&, const std::string&) { return HttpResponse{201}; }},
      {"POST", "/v1/apply", [](const HttpRequest&, const std::string&) { return HttpResponse{202}; }},
      {"GET", "/v1/keys", [](const HttpRequest&, const std::string&) { return HttpResponse{203}; }},
      {"POST", "/v1/keys", [](const HttpRequest&, const std::string&) { return HttpResponse{204}; }},
      {"DELETE", "/v1/services/",
       [this](const HttpRequest&, const std::string& rest) {
         rest_seen = rest;
         return HttpResponse{205};
       }},
  }};
  ApiGuard guard{"tok", {}, "/run/shoal.sock"};
};

HttpRequest unix_request(std::string method, std::string target) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.via_unix = true;
  r.content_type = "application/json";
  return r;
}

}  // namespace

TEST_CASE("api routes: method and path pick the handler, the query string aside",
          "[node][api]") {
  Table t;
  CHECK(t.routes.answer(unix_request("GET", "/v1/status"), t.guard).status == 201);
  CHECK(t.routes.answer(unix_request("GET", "/v1/status?x=1"), t.guard).status == 201);
  CHECK(t.routes.answer(unix_request("POST", "/v1/apply"), t.guard).status == 202);
  CHECK(t.routes.answer(unix_request("GET", "/v1/keys"), t.guard).status == 203);
  CHECK(t.routes.answer(unix_request("POST", "/v1/keys"), t.guard).status == 204);
}

TEST_CASE("api routes: a prefix route gets the rest of the path", "[node][api]") {
  Table t;
  CHECK(t.routes.answer(unix_request("DELETE", "/v1/services/web"), t.guard).status == 205);
  CHECK(t.rest_seen == "web");
  CHECK(t.routes.answer(unix_request("DELETE", "/v1/services/"), t.guard).status == 205);
  CHECK(t.rest_seen.empty());
}

TEST_CASE("api routes: an unknown path or a wrong method is 404, naming both", "[node][api]") {
  Table t;
  auto r = t.routes.answer(unix_request("POST", "/v1/status"), t.guard);
  CHECK(r.status == 404);
  CHECK(r.body.find("no such endpoint: POST /v1/status") != std::string::npos);
  CHECK(t.routes.answer(unix_request("GET", "/v1/statusx"), t.guard).status == 404);
  CHECK(t.routes.answer(unix_request("GET", "/v1/services"), t.guard).status == 404);
}

TEST_CASE("api routes: the guard answers before any handler runs", "[node][api]") {
  Table t;
  HttpRequest r = unix_request("DELETE", "/v1/services/web");
  r.via_unix = false;  // over TCP without the token
  r.has_host = true;
  r.host = "127.0.0.1";
  auto refused = t.routes.answer(r, t.guard);
  CHECK(refused.status == 403);
  CHECK(refused.body.find("bearer token") != std::string::npos);
  CHECK(t.rest_seen.empty());
  r.authorization = "Bearer tok";
  CHECK(t.routes.answer(r, t.guard).status == 205);
  r.has_origin = true;  // a web page
  r.origin = "http://evil.example";
  t.rest_seen.clear();
  CHECK(t.routes.answer(r, t.guard).status == 403);
  CHECK(t.rest_seen.empty());
}
