// GET /v1/catalog/<service>[?index=N&wait=D]: the endpoints array (node/peer/catalog.hpp) with
// its X-Shoal-Index, and Consul-style blocking queries: when `index` is the current one the
// request is held (HttpRequest::hold) until the answer's index changes or `wait` passes
// (node/peer/catalog_query.hpp: 5 min by default, 10 at most), then answered with the current
// array and index. At most kMaxHeldQueries are held per peer (both listeners together); past
// that a query is answered at once, with the current index (never refused). A held query still
// counts among its listener's open connections; a client that closes frees both at once.
// The agent calls maybe_changed() wherever statuses, members or specs may have changed: the
// held queries' services are re-evaluated once per burst, on io's thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "node/http.hpp"

namespace shoal::node {

class CatalogApi {
 public:
  // The current endpoints array of `service`; nullopt for an unknown one (no spec, no instance).
  using Answer = std::function<std::optional<nlohmann::json>(const std::string& service)>;

  CatalogApi(boost::asio::io_context& io, Answer answer);
  ~CatalogApi();
  CatalogApi(const CatalogApi&) = delete;
  CatalogApi& operator=(const CatalogApi&) = delete;

  // Answers (200 with the array, 400, 404) or holds `r` (the return value is then unused).
  HttpResponse get(const HttpRequest& r);
  // Re-evaluates the held queries soon (coalesced: one pass per burst of calls).
  void maybe_changed();
  // Drops every held query (shutdown: their connections close with the server).
  void close();
  std::size_t held() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace shoal::node
