// GET /v1/catalog/<service>[?index=N&wait=D]: the endpoints array (node/peer/catalog.hpp) with
// its X-Shoal-Index, and Consul-style blocking queries (node/blocking_api.hpp; `wait`: 5 min by
// default, 10 at most, node/peer/catalog_query.hpp). The agent calls maybe_changed() wherever
// statuses, members or specs may have changed.
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
