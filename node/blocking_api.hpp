// Consul-style blocking queries for any GET whose answer has an index: a query that names the
// current index is held (HttpRequest::hold) until the answer's index changes or its wait
// passes, then answered with the current answer. Used by the catalog (catalog_api.hpp) and the
// event log (GET /v1/events). At most kMaxHeldQueries are held per peer; past that a query is
// answered at once (never refused). A held query still counts among its listener's open
// connections; a client that closes frees both at once. maybe_changed() re-evaluates the held
// queries once per burst of calls, on io's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/spec.hpp"
#include "node/http.hpp"

namespace shoal::node {

class BlockingApi {
 public:
  // The current answer to `key` (what a query asks: opaque here) with its index, sent as
  // X-Shoal-Index. `final`: answer at once, never hold (an unknown service, a bad request).
  struct Current {
    HttpResponse response;
    std::uint64_t index = 0;
    bool final = false;
  };
  using Evaluate = std::function<Current(const std::string& key)>;

  BlockingApi(boost::asio::io_context& io, Evaluate evaluate);
  ~BlockingApi();
  BlockingApi(const BlockingApi&) = delete;
  BlockingApi& operator=(const BlockingApi&) = delete;

  // Answers `r` now, or holds it when `index` is the current one and `wait_ms` > 0 (the return
  // value is then unused).
  HttpResponse get(const HttpRequest& r, const std::string& key,
                   std::optional<std::uint64_t> index, config::Millis wait_ms);
  void maybe_changed();
  // Drops every held query (shutdown: their connections close with the server).
  void close();
  std::size_t held() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace shoal::node
