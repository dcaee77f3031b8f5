#include "node/peer/catalog_query.hpp"

#include <algorithm>
#include <charconv>

#include "config/units.hpp"
#include "node/peer/shown.hpp"

namespace shoal::node {

namespace {

constexpr std::string_view kPrefix = "/v1/catalog/";

std::optional<std::uint64_t> parse_index(std::string_view v) {
  if (v.empty() || v.size() > 20 ||
      !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::uint64_t out = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return out;
}

}  // namespace

std::optional<config::Millis> parse_wait(std::string_view text) {
  if (text == "0") return 0;  // Go's time.ParseDuration (Consul's) takes a bare zero
  auto d = config::parse_duration(text);
  if (!d.ok() || *d.value < 0) return std::nullopt;
  return std::min(*d.value, kMaxCatalogWait);
}

std::string parse_blocking_params(std::string_view query, BlockingParams& out) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view kv = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto eq = kv.find('=');
    const std::string_view key = kv.substr(0, eq);
    const std::string_view val = eq == std::string_view::npos ? std::string_view() : kv.substr(eq + 1);
    if (key == "index") {
      out.index = parse_index(val);
      if (!out.index) return "index: expected a decimal X-Shoal-Index, got `" + shown(val) + "`";
    } else if (key == "wait") {
      auto w = parse_wait(val);
      if (!w) {
        return "wait: expected a duration like 30s, 2m or 1m30s (at most 10m), got `" +
               shown(val) + "`";
      }
      out.wait = *w;
    }
  }
  return {};
}

CatalogQueryResult parse_catalog_query(std::string_view target) {
  CatalogQueryResult r;
  if (target.substr(0, kPrefix.size()) != kPrefix) {
    r.error = "expected /v1/catalog/SERVICE";
    return r;
  }
  target.remove_prefix(kPrefix.size());
  const auto q = target.find('?');
  const std::string_view name = target.substr(0, q);
  if (std::string e = config::check_service_name(name); !e.empty()) {
    r.error = "bad service name `" + shown(name) + "`: " + e;
    return r;
  }
  CatalogQuery out;
  out.service = std::string(name);
  BlockingParams params;
  r.error = parse_blocking_params(
      q == std::string_view::npos ? std::string_view() : target.substr(q + 1), params);
  if (!r.error.empty()) return r;
  out.index = params.index;
  out.wait = params.wait;
  r.query = std::move(out);
  return r;
}

}  // namespace shoal::node
