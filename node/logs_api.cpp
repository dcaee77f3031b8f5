#include "node/logs_api.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "node/asio.hpp"
#include "node/logs_wire.hpp"
#include "node/peer/json_text.hpp"

namespace shoal::node {

namespace {

using Json = nlohmann::json;

HttpResponse answer_json(int status, const Json& j) { return {status, json_text(j) + "\n"}; }
HttpResponse answer_error(int status, const std::string& msg) {
  return answer_json(status, Json{{"error", msg}});
}

// One query of a client, held until its owners answered.
struct Pending {
  std::string service;
  std::shared_ptr<HttpHeld> held;
  std::map<std::string, gossip::Address> waiting;  // peer -> the address it was asked at
  std::vector<std::vector<LogLine>> answers;
  std::map<std::string, LogCursor> cursor;
  Json errors = Json::array();
  std::unique_ptr<boost::asio::steady_timer> timer;
};

}  // namespace

struct LogsApi::Impl : std::enable_shared_from_this<LogsApi::Impl> {
  boost::asio::io_context& io;
  LocalFn local;
  OwnersFn owners;
  MemberFn member;
  SendFn send;
  WallFn wall;
  LogsStats stats;
  std::uint32_t next_id = 1;
  std::map<std::uint32_t, Pending> pending;  // by request id (one id per query)
  bool closed = false;

  // The worker: reads off the io thread.
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::function<void()>> jobs;
  bool stopping = false;
  std::thread worker;

  Impl(boost::asio::io_context& io_, LocalFn l, OwnersFn o, MemberFn m, SendFn s, WallFn w)
      : io(io_), local(std::move(l)), owners(std::move(o)), member(std::move(m)),
        send(std::move(s)), wall(std::move(w)) {
    worker = std::thread([this] { work(); });
  }

  void work() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return stopping || !jobs.empty(); });
        if (stopping) return;
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      job();
    }
  }

  void stop() {
    {
      std::lock_guard lock(mu);
      stopping = true;
      jobs.clear();
    }
    cv.notify_all();
    if (worker.joinable()) worker.join();
  }

  // Reads `req` locally on the worker; `done` then runs on the io thread. False: queue full.
  bool read_async(LogsRequest req, std::function<void(LogsResponse)> done) {
    std::weak_ptr<Impl> self = shared_from_this();
    {
      std::lock_guard lock(mu);
      if (jobs.size() >= kMaxLogJobs) return false;
      const std::int64_t now = wall();
      jobs.push_back([this, self, setup = local(), req = std::move(req), done = std::move(done),
                      now]() mutable {
        LogsResponse r = read_local_logs(setup, req, now);
        boost::asio::post(io, [self, r = std::move(r), done = std::move(done)]() mutable {
          auto me = self.lock();
          if (me && !me->closed) done(std::move(r));
        });
      });
    }
    cv.notify_one();
    return true;
  }

  HttpResponse get(const HttpRequest& r) {
    auto parsed = parse_logs_query(r.target);
    if (!parsed.query) return answer_error(400, "logs: " + parsed.error);
    const LogsQuery q = std::move(*parsed.query);
    std::vector<Owner> targets;
    if (!q.peer.empty()) {
      auto a = member(q.peer);
      if (!a) return answer_error(404, "logs: no live peer named " + q.peer);
      targets.push_back({q.peer, *a});
    } else {
      targets = owners(q.service, q.index);
    }
    const std::string what = q.service + (q.index ? "/" + std::to_string(*q.index) : "");
    if (targets.empty())
      return answer_error(404, "logs: no live peer reports an instance of " + what +
                                   " (ask one that ran it: --peer P)");
    if (pending.size() >= kMaxPendingLogQueries || !r.hold)
      return answer_error(503, "logs: too many log queries at once; try again");
    const std::uint32_t id = next_id++;
    const std::string self_name = local().peer;
    Pending& p = pending[id];
    p.service = q.service;
    p.held = r.hold();
    std::weak_ptr<Impl> self = shared_from_this();
    p.held->on_gone([self, id] {
      if (auto me = self.lock()) me->pending.erase(id);
    });
    p.timer = std::make_unique<boost::asio::steady_timer>(io, kLogsAnswerWait);
    p.timer->async_wait([self, id](boost::system::error_code ec) {
      if (auto me = self.lock(); me && !ec) me->finish(id, true);
    });
    for (const auto& t : targets) {
      LogsRequest req{id, q.service, q.index, q.tail, q.since_ms, {}};
      if (auto c = q.cursor.find(t.name); c != q.cursor.end()) req.cursor = c->second;
      p.cursor[t.name] = req.cursor;  // kept when the peer does not answer
      p.waiting[t.name] = t.addr;
      if (t.name == self_name) {
        const bool queued = read_async(req, [this, id, name = t.name](LogsResponse resp) {
          take(id, name, std::move(resp));
        });
        if (!queued) {  // answered after this handler returns (never from within it)
          ++stats.busy;
          boost::asio::post(io, [self, id, name = t.name] {
            LogsResponse busy;
            busy.error = "busy (too many log reads at once)";
            if (auto me = self.lock(); me && !me->closed) me->take(id, name, std::move(busy));
          });
        }
      } else {
        send(t.addr, encode_logs_request(req), false);
      }
    }
    return {};  // held: answered by finish()
  }

  // The answer of `peer` to query `id`.
  void take(std::uint32_t id, const std::string& peer, LogsResponse resp) {
    auto it = pending.find(id);
    if (it == pending.end() || !it->second.waiting.count(peer)) {
      ++stats.stray_answers;
      return;
    }
    Pending& p = it->second;
    p.waiting.erase(peer);
    for (auto& l : resp.lines) {  // the asker names them, not the answer
      l.peer = peer;
      l.service = p.service;
    }
    if (!resp.error.empty()) p.errors.push_back(Json{{"peer", peer}, {"error", resp.error}});
    if (resp.dropped > 0)
      p.errors.push_back(Json{{"peer", peer},
                              {"error", std::to_string(resp.dropped) +
                                            " older line(s) left out to bound the answer"}});
    p.cursor[peer] = std::move(resp.cursor);
    p.answers.push_back(std::move(resp.lines));
    if (p.waiting.empty()) finish(id, false);
  }

  void finish(std::uint32_t id, bool timed_out) {
    auto it = pending.find(id);
    if (it == pending.end()) return;
    Pending p = std::move(it->second);
    pending.erase(it);
    if (p.timer) p.timer->cancel();
    if (timed_out)
      for (const auto& [peer, addr] : p.waiting)
        p.errors.push_back(Json{{"peer", peer},
                                {"error", "no answer within " +
                                              std::to_string(kLogsAnswerWait.count() / 1000) +
                                              " s"}});
    Json lines = Json::array();
    for (const auto& l : merge_by_time(std::move(p.answers))) lines.push_back(to_json(l));
    p.held->answer(answer_json(
        200, Json{{"lines", std::move(lines)}, {"cursor", cursor_json(p.cursor)},
                  {"errors", std::move(p.errors)}}));
  }

  bool on_frame(const gossip::Address& from, std::span<const std::byte> plain) {
    LogsFrame f = decode_logs_frame(plain);
    if (f.request) {
      serve(from, std::move(*f.request));
      return true;
    }
    if (f.response) {
      answered(from, std::move(*f.response));
      return true;
    }
    ++stats.refused_frames;
    return false;
  }

  // A request of another peer: read, then answer on its connection.
  void serve(const gossip::Address& from, LogsRequest req) {
    const std::uint32_t id = req.id;
    const std::string service = req.service;
    auto reply = [this, from](const LogsResponse& resp) {
      ++stats.served;
      send(from, encode_logs_response(resp), true);
    };
    if (!read_async(std::move(req), reply)) {
      ++stats.busy;
      LogsResponse busy;
      busy.id = id;
      busy.error = "busy (too many log reads at once)";
      reply(busy);
    }
  }

  void answered(const gossip::Address& from, LogsResponse resp) {
    auto it = pending.find(resp.id);
    if (it == pending.end()) {
      ++stats.stray_answers;
      return;
    }
    for (const auto& [peer, addr] : it->second.waiting) {
      if (addr == from) {
        const std::string name = peer;  // take() erases it from `waiting`
        return take(resp.id, name, std::move(resp));
      }
    }
    ++stats.stray_answers;
  }
};

LogsApi::LogsApi(boost::asio::io_context& io, LocalFn local, OwnersFn owners,
                 MemberFn member, SendFn send, WallFn wall)
    : impl_(std::make_shared<Impl>(io, std::move(local), std::move(owners), std::move(member),
                                   std::move(send), std::move(wall))),
      stats_(impl_->stats) {}

LogsApi::~LogsApi() { close(); }

HttpResponse LogsApi::get(const HttpRequest& r) { return impl_->get(r); }

bool LogsApi::on_frame(const gossip::Address& from, std::span<const std::byte> plain) {
  return impl_->closed ? true : impl_->on_frame(from, plain);
}

void LogsApi::close() {
  if (impl_->closed) return;
  impl_->closed = true;
  impl_->stop();
  for (auto& [id, p] : impl_->pending)
    if (p.timer) p.timer->cancel();
  impl_->pending.clear();
}

std::vector<LogsApi::Owner> log_owners(const gossip::Members& members,
                                       const std::map<std::string, placement::PeerStatus>& statuses,
                                       const std::string& service, std::optional<int> index) {
  std::vector<LogsApi::Owner> out;
  for (const auto& [peer, st] : statuses) {
    auto addr = live_member(members, peer);
    if (!addr) continue;
    for (const auto& i : st.instances) {
      if (i.id.service == service && (!index || static_cast<int>(i.id.index) == *index)) {
        out.push_back({peer, *addr});
        break;
      }
    }
  }
  return out;
}

std::optional<gossip::Address> live_member(const gossip::Members& members, const std::string& name) {
  auto it = members.find(name);
  if (it == members.end() || !gossip::is_live(it->second.state)) return std::nullopt;
  return it->second.addr;
}

}  // namespace shoal::node
