#include "node/blocking_api.hpp"

#include "node/asio.hpp"

#include <chrono>
#include <map>

#include "node/peer/held_queries.hpp"

namespace shoal::node {

namespace asio = boost::asio;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

HttpResponse indexed(BlockingApi::Current c) {
  if (!c.final) c.response.headers.emplace_back("X-Shoal-Index", std::to_string(c.index));
  return std::move(c.response);
}

}  // namespace

struct BlockingApi::Impl : std::enable_shared_from_this<BlockingApi::Impl> {
  Impl(asio::io_context& io, Evaluate e) : io(io), evaluate(std::move(e)), timer(io) {}

  struct Waiter {
    std::string key;
    std::shared_ptr<HttpHeld> session;
  };

  asio::io_context& io;
  Evaluate evaluate;
  asio::steady_timer timer;
  HeldQueries reg;
  std::map<std::uint64_t, Waiter> waiters;
  bool posted = false;

  void answer(std::uint64_t id, const HttpResponse& r) {
    auto it = waiters.find(id);
    if (it == waiters.end()) return;
    auto session = std::move(it->second.session);
    waiters.erase(it);
    session->answer(r);
  }

  // Releases `ids` (their waits are over): each key evaluated once per pass.
  void release(const std::vector<std::uint64_t>& ids) {
    std::map<std::string, HttpResponse> answers;
    for (auto id : ids) {
      auto it = waiters.find(id);
      if (it == waiters.end()) continue;
      const std::string key = it->second.key;
      auto a = answers.find(key);
      if (a == answers.end()) a = answers.emplace(key, indexed(evaluate(key))).first;
      answer(id, a->second);
    }
  }

  void reevaluate() {
    posted = false;
    for (const auto& key : reg.services()) {
      Current c = evaluate(key);
      auto ids = reg.changed(key, c.final ? 0 : c.index);  // 0: never an index held
      if (ids.empty()) continue;
      const HttpResponse r = indexed(std::move(c));
      for (auto id : ids) answer(id, r);
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

  void hold(const HttpRequest& r, const std::string& key, std::uint64_t id) {
    auto session = r.hold();
    waiters[id] = Waiter{key, session};
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

BlockingApi::BlockingApi(asio::io_context& io, Evaluate evaluate)
    : impl_(std::make_shared<Impl>(io, std::move(evaluate))) {}

BlockingApi::~BlockingApi() { close(); }

HttpResponse BlockingApi::get(const HttpRequest& r, const std::string& key,
                              std::optional<std::uint64_t> index, config::Millis wait_ms) {
  Current c = impl_->evaluate(key);
  if (!c.final && index && *index == c.index && wait_ms > 0 && r.hold) {
    if (auto id = impl_->reg.hold(key, c.index, now_ms() + wait_ms)) {
      impl_->hold(r, key, *id);
      return {};
    }
  }
  return indexed(std::move(c));
}

void BlockingApi::maybe_changed() {
  if (impl_->posted || impl_->reg.empty()) return;
  impl_->posted = true;
  asio::post(impl_->io, [w = std::weak_ptr<Impl>(impl_)] {
    if (auto self = w.lock()) self->reevaluate();
  });
}

void BlockingApi::close() {
  impl_->timer.cancel();
  for (auto& [id, w] : impl_->waiters) w.session->on_gone(nullptr);
  impl_->waiters.clear();
  impl_->reg = HeldQueries();
}

std::size_t BlockingApi::held() const { return impl_->reg.size(); }

}  // namespace shoal::node
