// What a GET /v1/catalog/<service>[?index=N&wait=D] asks for, read from its target. Pure.
// Consul's blocking-query rules: `index` is the X-Shoal-Index of an earlier answer (decimal);
// `wait` a duration ("30s", "2m", "1m30s", "500ms"), 5 minutes when absent, at most 10 minutes
// (a longer one is cut to 10 minutes, as Consul does). Other parameters are ignored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/spec.hpp"

namespace shoal::node {

inline constexpr config::Millis kDefaultCatalogWait = 5 * 60 * 1000;
inline constexpr config::Millis kMaxCatalogWait = 10 * 60 * 1000;

struct CatalogQuery {
  std::string service;
  std::optional<std::uint64_t> index;  // absent: answer at once
  config::Millis wait = kDefaultCatalogWait;
};

struct CatalogQueryResult {
  std::optional<CatalogQuery> query;
  std::string error;  // when !query: what was wrong (a 400)
};

// `target` is the request target, "/v1/catalog/web?index=12&wait=30s".
CatalogQueryResult parse_catalog_query(std::string_view target);

// The `index` and `wait` parameters of a blocking query, from the query string (after `?`;
// other parameters are ignored).
struct BlockingParams {
  std::optional<std::uint64_t> index;
  config::Millis wait = kDefaultCatalogWait;
};
// Fills `out`; returns what was wrong (a 400), or an empty string.
std::string parse_blocking_params(std::string_view query, BlockingParams& out);

// A blocking query's `wait` value: a duration, cut to kMaxCatalogWait; nullopt when malformed.
std::optional<config::Millis> parse_wait(std::string_view text);

}  // namespace shoal::node
