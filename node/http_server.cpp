// Boost.Beast lives here (server side) and in http_client.cpp only. One Session template serves
// both transports: TCP (api.listen) and the unix socket (api.socket).
#include "node/asio.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <deque>
#include <optional>
#include <stdexcept>

#include "node/http.hpp"
#include "node/unix_socket_file.hpp"

namespace shoal::node {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using local = asio::local::stream_protocol;

namespace {

template <class Field>
std::string header(const bhttp::request<bhttp::string_body>& req, Field f, bool* had) {
  auto it = req.find(f);
  if (had != nullptr) *had = it != req.end();
  return it == req.end() ? std::string() : std::string(it->value());
}

// What only a TCP peer has: whether it connected from a loopback address.
bool loopback_peer(tcp::socket& s) {
  beast::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return false;
  if (ep.address().is_v6() && ep.address().to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, ep.address().to_v6()).is_loopback();
  }
  return ep.address().is_loopback();
}
bool loopback_peer(local::socket&) { return false; }

// Open sessions of one listener, counted on the io thread. Each may hold up to the body limit
// (a service file is far smaller), so the two bound what a flood can make a peer hold: 16 MiB.
constexpr int kMaxSessions = 64;
constexpr std::size_t kBodyLimit = 256u << 10;
using SessionCount = std::shared_ptr<int>;

// A session whose handler held the request (HttpRequest::hold) waits for answer() with no
// timeout, watching its socket: a client that closes is noticed at once (on_gone), so its slot
// is freed without waiting for the answer.
template <class Protocol>
class Session : public HttpHeld, public std::enable_shared_from_this<Session<Protocol>> {
 public:
  using Socket = typename Protocol::socket;
  Session(Socket s, const HttpHandler* handler, SessionCount live)
      : stream_(std::move(s)), handler_(handler), live_(std::move(live)) {
    ++*live_;
  }
  ~Session() { --*live_; }
  void start() { read(); }

 private:
  void read() {
    req_ = {};
    parser_.emplace();
    parser_->body_limit(kBodyLimit);
    stream_.expires_after(std::chrono::seconds(30));
    bhttp::async_read(stream_, buf_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        self->on_read(ec);
                      });
  }
  HttpRequest to_request() {
    HttpRequest r;
    r.method = std::string(req_.method_string());
    r.target = std::string(req_.target());
    r.body = req_.body();
    r.authorization = header(req_, bhttp::field::authorization, nullptr);
    r.host = header(req_, bhttp::field::host, &r.has_host);
    r.origin = header(req_, bhttp::field::origin, &r.has_origin);
    r.content_type = header(req_, bhttp::field::content_type, nullptr);
    r.accept = header(req_, bhttp::field::accept, nullptr);
    r.last_event_id = header(req_, "Last-Event-ID", nullptr);
    r.via_unix = std::is_same_v<Protocol, local>;
    r.from_loopback = loopback_peer(stream_.socket());
    r.hold = [this] {
      held_ = true;
      return std::static_pointer_cast<HttpHeld>(this->shared_from_this());
    };
    return r;
  }

 public:
  void answer(HttpResponse r) override {
    if (!held_ || streaming_) return;
    held_ = false;
    gone_ = nullptr;
    beast::error_code ignore;
    stream_.socket().cancel(ignore);  // ends watch_gone()
    write(std::move(r));
  }
  void on_gone(std::function<void()> f) override { gone_ = std::move(f); }

  void stream_begin(HttpResponse head) override {
    if (!held_ || streaming_) return;
    streaming_ = true;
    std::string h = "HTTP/1.1 " + std::to_string(head.status) + " " +
                    std::string(bhttp::obsolete_reason(static_cast<bhttp::status>(head.status))) +
                    "\r\nServer: shoal\r\nContent-Type: " + head.content_type +
                    "\r\nX-Content-Type-Options: nosniff\r\n";
    for (const auto& [name, value] : head.headers) h += name + ": " + value + "\r\n";
    h += "Connection: close\r\n\r\n";
    queue(std::make_shared<const std::string>(std::move(h)));
  }
  bool stream_send_shared(std::shared_ptr<const std::string> chunk) override {
    if (!held_ || !streaming_ || !chunk) return false;
    if (queued_ + chunk->size() > kStreamQueueBytes) {  // a slow reader: dropped, not buffered
      end_stream(false);
      return false;
    }
    queue(std::move(chunk));
    return true;
  }

 private:
  void queue(std::shared_ptr<const std::string> bytes) {
    queued_ += bytes->size();
    out_.push_back(std::move(bytes));
    pump();
  }
  // One write at a time, each bounded by 10 s (the stream's timer closes the socket).
  void pump() {
    if (writing_ || out_.empty() || !held_) return;
    writing_ = true;
    stream_.expires_after(std::chrono::seconds(10));
    asio::async_write(stream_, asio::buffer(*out_.front()),
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        self->writing_ = false;
                        if (!self->held_) return;
                        if (ec) {
                          self->end_stream(true);
                          return;
                        }
                        self->queued_ -= self->out_.front()->size();
                        self->out_.pop_front();
                        self->stream_.expires_never();
                        self->pump();
                      });
  }
  // Closes a stream; `tell`: the holder learns it through on_gone.
  void end_stream(bool tell) {
    held_ = false;
    // A write in flight keeps its bytes until it completes (aborted).
    while (out_.size() > (writing_ ? 1u : 0u)) out_.pop_back();
    queued_ = 0;
    auto gone = std::move(gone_);
    gone_ = nullptr;
    beast::error_code ignore;
    stream_.socket().close(ignore);
    if (tell && gone) gone();
  }

  // While held: readable with nothing to read is the client's close (or reset). Bytes sent
  // early (a pipelined request) stay queued for after the answer; the watch ends there.
  void watch_gone() {
    stream_.socket().async_wait(
        Socket::wait_read, [self = this->shared_from_this()](beast::error_code ec) {
          if (ec || !self->held_) return;
          char c;
          const auto n = ::recv(self->stream_.socket().native_handle(), &c, 1,
                                MSG_PEEK | MSG_DONTWAIT);
          if (n > 0 && self->streaming_) {  // a stream's client has nothing more to say
            self->end_stream(true);
            return;
          }
          if (n > 0) return;
          if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            self->watch_gone();
            return;
          }
          self->held_ = false;
          auto gone = std::move(self->gone_);
          self->gone_ = nullptr;
          beast::error_code ignore;
          self->stream_.socket().close(ignore);
          if (gone) gone();  // may drop the last other reference: `self` keeps us alive
        });
  }
  void on_read(beast::error_code ec) {
    if (ec) {
      beast::error_code ignore;
      stream_.socket().shutdown(Socket::shutdown_both, ignore);
      return;
    }
    req_ = parser_->release();
    HttpResponse out;
    try {
      out = (*handler_)(to_request());
    } catch (const std::exception& e) {
      if (held_) {
        held_ = false;
        gone_ = nullptr;
      }
      out = HttpResponse{};
      out.status = 500;
      out.body = std::string("{\"error\":\"internal error\"}");
    }
    if (held_) {
      if (!streaming_) stream_.expires_never();  // a stream's first write keeps its bound
      watch_gone();
      return;
    }
    write(std::move(out));
  }

  void write(HttpResponse out) {
    res_ = {};
    res_.result(static_cast<bhttp::status>(out.status));
    res_.version(req_.version());
    res_.set(bhttp::field::server, "shoal");
    res_.set(bhttp::field::content_type, out.content_type);
    res_.set("X-Content-Type-Options", "nosniff");
    for (const auto& [name, value] : out.headers) res_.set(name, value);
    res_.keep_alive(req_.keep_alive());
    res_.body() = std::move(out.body);
    res_.prepare_payload();
    stream_.expires_after(std::chrono::seconds(30));  // a held session had none
    bhttp::async_write(stream_, res_,
                       [self = this->shared_from_this()](beast::error_code wec, std::size_t) {
                         if (wec) return;
                         if (!self->res_.keep_alive()) {
                           beast::error_code ignore;
                           self->stream_.socket().shutdown(Socket::shutdown_send, ignore);
                           return;
                         }
                         self->read();
                       });
  }

  beast::basic_stream<Protocol> stream_;
  const HttpHandler* handler_;
  SessionCount live_;
  beast::flat_buffer buf_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool held_ = false;               // the handler holds the request: no answer written yet
  bool streaming_ = false;          // held as a stream (stream_begin): writes until closed
  bool writing_ = false;
  std::deque<std::shared_ptr<const std::string>> out_;  // a stream's bytes not yet written
                                                        // (maybe shared), queued_ in all
  std::size_t queued_ = 0;
  std::function<void()> gone_;      // the holder's, for a client that leaves first
  bhttp::request<bhttp::string_body> req_;
  bhttp::response<bhttp::string_body> res_;
};

// Accepts forever. Past kMaxSessions a new connection is closed at once; when accept fails
// (EMFILE, ENFILE, ENOBUFS...) the loop waits 200 ms instead of spinning on the error.
template <class Protocol>
void accept_loop(std::shared_ptr<typename Protocol::acceptor> acc, const HttpHandler* handler,
                 std::shared_ptr<void> keep, SessionCount live = std::make_shared<int>(0)) {
  acc->async_accept([acc, handler, keep, live](beast::error_code ec,
                                               typename Protocol::socket s) {
    if (ec == asio::error::operation_aborted || !acc->is_open()) return;
    if (ec) {
      auto pause = std::make_shared<asio::steady_timer>(acc->get_executor());
      pause->expires_after(std::chrono::milliseconds(200));
      pause->async_wait([acc, handler, keep, live, pause](beast::error_code) {
        if (acc->is_open()) accept_loop<Protocol>(acc, handler, keep, live);
      });
      return;
    }
    if (*live < kMaxSessions) {
      std::make_shared<Session<Protocol>>(std::move(s), handler, live)->start();
    }  // else `s` closes as it goes out of scope
    accept_loop<Protocol>(acc, handler, keep, live);
  });
}

}  // namespace

struct HttpServer::Impl {
  explicit Impl(HttpHandler h) : handler(std::move(h)) {}
  HttpHandler handler;
  std::shared_ptr<tcp::acceptor> tcp_acc;
  std::shared_ptr<local::acceptor> unix_acc;
  std::string unix_path;
  dev_t unix_dev = 0;
  ino_t unix_ino = 0;
};

HttpServer::HttpServer(asio::io_context& io, const std::string& host, std::uint16_t port,
                       HttpHandler handler)
    : impl_(std::make_shared<Impl>(std::move(handler))) {
  beast::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("api.listen: bad address " + host);
  tcp::endpoint ep(addr, port);
  impl_->tcp_acc = std::make_shared<tcp::acceptor>(io);
  auto& acc = *impl_->tcp_acc;
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                             ec.message());
  }
  accept_loop<tcp>(impl_->tcp_acc, &impl_->handler, impl_);
}

HttpServer::HttpServer(asio::io_context& io, const UnixListen& where, HttpHandler handler)
    : impl_(std::make_shared<Impl>(std::move(handler))) {
  if (std::string e = prepare_socket_path(where.path); !e.empty()) throw std::runtime_error(e);
  impl_->unix_acc = std::make_shared<local::acceptor>(io);
  auto& acc = *impl_->unix_acc;
  beast::error_code ec;
  acc.open(local(), ec);
  if (!ec) {
    // Born 0660 (umask is process-wide: nothing else runs yet while the agent opens), so no
    // one outside owner and group can connect before secure_socket sets the group.
    const mode_t old = ::umask(0117);
    acc.bind(local::endpoint(where.path), ec);
    ::umask(old);
  }
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + where.path + ": " + ec.message());
  struct stat st;
  if (::stat(where.path.c_str(), &st) == 0) {
    impl_->unix_path = where.path;
    impl_->unix_dev = st.st_dev;
    impl_->unix_ino = st.st_ino;
  }
  if (std::string e = secure_socket(where.path, where.group); !e.empty()) {
    close();
    throw std::runtime_error(e);
  }
  accept_loop<local>(impl_->unix_acc, &impl_->handler, impl_);
}

HttpServer::~HttpServer() { close(); }

void HttpServer::close() {
  if (!impl_) return;
  beast::error_code ignore;
  if (impl_->tcp_acc) impl_->tcp_acc->close(ignore);
  if (impl_->unix_acc) impl_->unix_acc->close(ignore);
  // The socket file goes with the server, unless another agent has replaced it since.
  struct stat st;
  if (!impl_->unix_path.empty() && ::lstat(impl_->unix_path.c_str(), &st) == 0 &&
      st.st_dev == impl_->unix_dev && st.st_ino == impl_->unix_ino) {
    ::unlink(impl_->unix_path.c_str());
  }
  impl_->unix_path.clear();
}

std::uint16_t HttpServer::port() const {
  if (!impl_->tcp_acc) return 0;
  beast::error_code ec;
  auto ep = impl_->tcp_acc->local_endpoint(ec);
  return ec ? 0 : ep.port();
}

}  // namespace shoal::node
