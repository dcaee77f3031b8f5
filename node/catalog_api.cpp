#include "node/catalog_api.hpp"

#include "node/asio.hpp"

#include <chrono>
#include <map>

#include "node/peer/catalog.hpp"
#include "node/peer/catalog_query.hpp"
#include "node/peer/held_queries.hpp"
#include "node/peer/json_text.hpp"

namespace shoal::node {

namespace asio = boost::asio;
using Json = nlohmann::json;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

HttpResponse error(int status, const std::string& msg) {
  return {status, json_text(Json{{"error", msg}}) + "\n"};
}

HttpResponse unknown(const std::string& service) {
  return error(404, "no service `" + service + "`: no spec and no instance of it");
}

HttpResponse array(const Json& a) {
  HttpResponse r{200, json_text(a) + "\n"};
  r.headers.emplace_back("X-Shoal-Index", std::to_string(catalog_index(a)));
  return r;
}

}  // namespace

struct CatalogApi::Impl : std::enable_shared_from_this<CatalogApi::Impl> {
  Impl(asio::io_context& io, Answer a) : io(io), answer(std::move(a)), timer(io) {}

  struct Waiter {
    std::string service;
    std::shared_ptr<HttpHeld> session;
  };

  asio::io_context& io;
  Answer answer;
  asio::steady_timer timer;
  HeldQueries reg;
  std::map<std::uint64_t, Waiter> waiters;
  bool posted = false;

  HttpResponse current(const std::string& service) {
    auto a = answer(service);
    return a ? array(*a) : unknown(service);
  }

  void release(const std::vector<std::uint64_t>& ids) {
    std::map<std::string, HttpResponse> answers;  // one evaluation per service per pass
    for (auto id : ids) {
      auto it = waiters.find(id);
      if (it == waiters.end()) continue;
      Waiter w = std::move(it->second);
      waiters.erase(it);
      auto a = answers.find(w.service);
      if (a == answers.end()) a = answers.emplace(w.service, current(w.service)).first;
      w.session->answer(a->second);
    }
  }

  void evaluate() {
    posted = false;
    for (const auto& service : reg.services()) {
      auto a = answer(service);
      const std::uint64_t index = a ? catalog_index(*a) : 0;  // 0: never an index held
      auto ids = reg.changed(service, index);
      if (ids.empty()) continue;
      const HttpResponse r = a ? array(*a) : unknown(service);
      for (auto id : ids) {
        auto it = waiters.find(id);
        if (it == waiters.end()) continue;
        auto session = std::move(it->second.session);
        waiters.erase(it);
        session->answer(r);
      }
    }
    arm();
  }

  void arm() {
    auto next = reg.next_deadline();
    if (!next) {
      timer.cancel();
      return;
    }
    timer.expires_at(std::chrono::steady_clock::time_point(std::chrono::milliseconds(*next)));
    timer.async_wait([w = weak_from_this()](boost::system::error_code ec) {
      auto self = w.lock();
      if (ec || !self) return;
      self->release(self->reg.due(now_ms()));
      self->arm();
    });
  }

  void hold(const HttpRequest& r, const std::string& service, std::uint64_t id) {
    auto session = r.hold();
    waiters[id] = Waiter{service, session};
    session->on_gone([w = weak_from_this(), id] {
      auto self = w.lock();
      if (!self) return;
      self->reg.drop(id);
      self->waiters.erase(id);
      self->arm();
    });
    arm();
  }
};

CatalogApi::CatalogApi(asio::io_context& io, Answer answer)
    : impl_(std::make_shared<Impl>(io, std::move(answer))) {}

CatalogApi::~CatalogApi() { close(); }

HttpResponse CatalogApi::get(const HttpRequest& r) {
  auto parsed = parse_catalog_query(r.target);
  if (!parsed.query) return error(400, parsed.error);
  const CatalogQuery& q = *parsed.query;
  auto a = impl_->answer(q.service);
  if (!a) return unknown(q.service);
  const std::uint64_t index = catalog_index(*a);
  if (q.index && *q.index == index && q.wait > 0 && r.hold) {
    if (auto id = impl_->reg.hold(q.service, index, now_ms() + q.wait)) {
      impl_->hold(r, q.service, *id);
      return {};
    }
  }
  return array(*a);
}

void CatalogApi::maybe_changed() {
  if (impl_->posted || impl_->reg.empty()) return;
  impl_->posted = true;
  asio::post(impl_->io, [w = std::weak_ptr<Impl>(impl_)] {
    if (auto self = w.lock()) self->evaluate();
  });
}

void CatalogApi::close() {
  impl_->timer.cancel();
  for (auto& [id, w] : impl_->waiters) w.session->on_gone(nullptr);
  impl_->waiters.clear();
  impl_->reg = HeldQueries();
}

std::size_t CatalogApi::held() const { return impl_->reg.size(); }

}  // namespace shoal::node
