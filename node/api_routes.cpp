#include "node/api_routes.hpp"

#include "node/api_response.hpp"

namespace shoal::node {

std::string target_path(const std::string& target) { return target.substr(0, target.find('?')); }

HttpResponse ApiRoutes::answer(const HttpRequest& r, const ApiGuard& guard) const {
  if (auto refused = check_api_request(r, guard)) {
    return error_response(refused->status, refused->message);
  }
  const std::string path = target_path(r.target);
  for (const auto& route : routes_) {
    if (route.method != r.method) continue;
    if (route.path == path) return route.handle(r, "");
    if (!route.path.empty() && route.path.back() == '/' && path.size() >= route.path.size() &&
        path.compare(0, route.path.size(), route.path) == 0) {
      return route.handle(r, path.substr(route.path.size()));
    }
  }
  return error_response(404, "no such endpoint: " + r.method + " " + path);
}

}  // namespace shoal::node
