#include "node/catalog_api.hpp"

#include "node/api_response.hpp"

#include "node/blocking_api.hpp"
#include "node/peer/catalog.hpp"
#include "node/peer/catalog_query.hpp"
#include "node/peer/json_text.hpp"

namespace shoal::node {

using Json = nlohmann::json;

struct CatalogApi::Impl {
  Impl(boost::asio::io_context& io, Answer answer)
      : blocking(io, [answer = std::move(answer)](const std::string& service) {
          auto a = answer(service);
          if (!a) {
            return BlockingApi::Current{
                error_response(404, "no service `" + service + "`: no spec and no instance of it"), 0,
                true};
          }
          return BlockingApi::Current{{200, json_text(*a) + "\n"}, catalog_index(*a), false};
        }) {}
  BlockingApi blocking;
};

CatalogApi::CatalogApi(boost::asio::io_context& io, Answer answer)
    : impl_(std::make_shared<Impl>(io, std::move(answer))) {}

CatalogApi::~CatalogApi() { close(); }

HttpResponse CatalogApi::get(const HttpRequest& r) {
  auto parsed = parse_catalog_query(r.target);
  if (!parsed.query) return error_response(400, parsed.error);
  const CatalogQuery& q = *parsed.query;
  return impl_->blocking.get(r, q.service, q.index, q.wait);
}

void CatalogApi::maybe_changed() { impl_->blocking.maybe_changed(); }

void CatalogApi::close() { impl_->blocking.close(); }

std::size_t CatalogApi::held() const { return impl_->blocking.held(); }

}  // namespace shoal::node
