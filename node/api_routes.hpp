// The peer's HTTP API as a table: which handler answers which method and path, once the guard
// (node/api_guard.hpp) let the request through. The handlers are the agent's; the table is
// tested alone (tests/node/api_routes_test.cpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "node/api_guard.hpp"
#include "node/http.hpp"

namespace shoal::node {

struct ApiRoute {
  std::string method;  // "GET", "POST", "DELETE"
  std::string path;    // exact, or a prefix when it ends with '/'
  // `rest`: the path after a prefix ("" for an exact path).
  std::function<HttpResponse(const HttpRequest& r, const std::string& rest)> handle;
};

class ApiRoutes {
 public:
  explicit ApiRoutes(std::vector<ApiRoute> routes) : routes_(std::move(routes)) {}

  // The guard's refusal, else the first route matching the method and the path (the query
  // string aside), else 404.
  HttpResponse answer(const HttpRequest& r, const ApiGuard& guard) const;

 private:
  std::vector<ApiRoute> routes_;
};

// The path of a request target: up to the query string.
std::string target_path(const std::string& target);

}  // namespace shoal::node
