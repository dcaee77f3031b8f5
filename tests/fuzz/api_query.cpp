// Any bytes as the target of an API request (path and query string, as HttpRequest::target
// holds it): the catalog's blocking query, what-if's peer or zone list, the events' blocking
// parameters. The first byte picks which.
#include "node/peer/catalog_query.hpp"
#include "node/peer/what_if.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto text = shoal::fuzz::text(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0: (void)shoal::node::parse_catalog_query(text); break;
    case 1: (void)shoal::node::parse_what_if_query(text); break;
    default: {
      shoal::node::BlockingParams params;
      (void)shoal::node::parse_blocking_params(text, params);
    }
  }
  return 0;
}
