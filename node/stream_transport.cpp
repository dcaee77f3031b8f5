// The stream channel's connections: bounded reading, bounded sending, caps on accepting.
#include "node/stream_transport.hpp"

#include "node/stream_frame.hpp"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <deque>
#include <vector>

namespace shoal::node {

namespace asio = boost::asio;
using asio::ip::tcp;

class StreamTransport::Conn : public std::enable_shared_from_this<Conn> {
 public:
  Conn(StreamTransport& t, tcp::socket sock, gossip::Address key, bool trusted)
      : t_(t), sock_(std::move(sock)), timer_(sock_.get_executor()), key_(std::move(key)),
        trusted_(trusted) {}

  void start_inbound(std::string source) {
    inbound_ = true;
    source_ = std::move(source);
    connected_ = true;
    arm();
    read_next();
  }
  void connect(const tcp::endpoint& ep) {
    arm();
    sock_.async_connect(ep, [self = shared_from_this()](boost::system::error_code ec) {
      if (self->closed_) return;
      if (ec) {
        spdlog::debug("stream connect to {}: {}", self->key_.to_string(), ec.message());
        return self->close();
      }
      self->connected_ = true;
      self->read_next();
      if (!self->writing_) self->write_next();
    });
  }
  void send(gossip::Bytes frame) {
    if (closed_) return;
    const std::size_t n = frame.size() + 4;
    if (queued_ + n > t_.limits_.max_queued) {
      ++t_.stats_.overflowed;
      spdlog::debug("stream {}: closed, {} bytes waiting to be sent", key_.to_string(), queued_);
      return close();
    }
    const auto hdr = frame_header(static_cast<std::uint32_t>(frame.size()));
    frame.insert(frame.begin(), hdr.begin(), hdr.end());
    queued_ += n;
    queue_.push_back(std::move(frame));
    if (connected_ && !writing_) write_next();
  }
  void close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignore;
    sock_.close(ignore);
    timer_.cancel();
    queue_.clear();
    t_.forget(this);  // may drop the last owning reference: touch nothing after
  }
  const gossip::Address& key() const { return key_; }
  bool inbound() const { return inbound_; }
  const std::string& source() const { return source_; }

 private:
  // The deadline of what the connection waits for now: the next frame (or an idle wait), or
  // the drain of what it sends.
  void arm() {
    timer_.expires_after(t_.limits_.deadline);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->closed_) return;
      ++self->t_.stats_.timed_out;
      self->close();
    });
  }
  void write_next() {
    if (queue_.empty() || closed_) {
      writing_ = false;
      return;
    }
    writing_ = true;
    asio::async_write(sock_, asio::buffer(queue_.front()),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        if (self->closed_) return;
                        if (ec) return self->close();
                        self->queued_ -= self->queue_.front().size();
                        self->queue_.pop_front();
                        self->arm();
                        if (self->paused_ && self->queued_ <= self->t_.limits_.pause_reading) {
                          self->paused_ = false;
                          self->read_next();
                        }
                        self->write_next();
                      });
  }
  // Reads go where the frame reader asks (node/stream_frame.hpp): memory follows the bytes
  // that arrived, never the length announced.
  void read_next() {
    const auto buf = reader_.next(t_.limits_.chunk);
    sock_.async_read_some(asio::buffer(buf.data(), buf.size()),
                          [self = shared_from_this()](boost::system::error_code ec, std::size_t k) {
                            if (self->closed_) return;
                            if (ec) return self->close();
                            self->on_bytes(k);
                          });
  }
  void on_bytes(std::size_t k) {
    const std::size_t limit = trusted_ ? t_.limits_.max_frame : t_.limits_.max_untrusted_frame;
    switch (reader_.arrived(k, limit)) {
      case FrameReader::State::refused:
        ++t_.stats_.frames_refused;
        spdlog::debug("stream {}: frame of {} bytes refused ({} at most{})", key_.to_string(),
                      reader_.announced(), limit, trusted_ ? "" : " before one authenticates");
        return close();
      case FrameReader::State::ready:
        return on_frame();
      case FrameReader::State::body:
        if (trusted_) arm();  // progress: only a trusted peer may be slow
        return read_next();
      case FrameReader::State::header:
        return read_next();
    }
  }
  void on_frame() {
    arm();
    const bool ok = t_.on_frame_(key_, reader_.frame());
    if (closed_) return;
    if (!ok) {
      ++t_.stats_.unauthenticated;
      return close();
    }
    trusted_ = true;
    reader_.reset(t_.limits_.chunk);
    if (queued_ > t_.limits_.pause_reading) {
      paused_ = true;  // resumed by write_next once the queue drained
      return;
    }
    read_next();
  }

  StreamTransport& t_;
  tcp::socket sock_;
  asio::steady_timer timer_;
  gossip::Address key_;
  std::string source_;  // inbound: the remote IP address
  bool inbound_ = false;
  bool trusted_ = false;
  bool connected_ = false;
  bool writing_ = false;
  bool paused_ = false;
  bool closed_ = false;
  std::deque<gossip::Bytes> queue_;
  std::size_t queued_ = 0;  // bytes in queue_
  FrameReader reader_;
};

StreamTransport::StreamTransport(asio::io_context& io, StreamLimits limits, FrameFn on_frame,
                                 HelloFn hello)
    : io_(io), limits_(limits), on_frame_(std::move(on_frame)), hello_(std::move(hello)),
      acceptor_(io), backoff_(io) {}

StreamTransport::~StreamTransport() { stop(); }

std::string StreamTransport::listen(const tcp::endpoint& ep) {
  boost::system::error_code ec;
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  return ec ? ec.message() : std::string();
}

void StreamTransport::start() { accept(); }

void StreamTransport::stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ignore;
  acceptor_.close(ignore);
  backoff_.cancel();
  std::vector<std::shared_ptr<Conn>> all;
  for (auto& [k, c] : conns_) all.push_back(c);
  for (auto& c : all) c->close();
}

void StreamTransport::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
    if (stopped_ || ec == asio::error::operation_aborted) return;
    if (ec) {
      // EMFILE / ENFILE / ENOBUFS: the pending connection stays queued; retrying at once spins.
      if (stats_.accept_errors++ % 100 == 0)
        spdlog::warn("gossip accept: {} (retrying in {} ms)", ec.message(),
                     limits_.accept_backoff.count());
      backoff_.expires_after(limits_.accept_backoff);
      backoff_.async_wait([this](boost::system::error_code e) {
        if (!e && !stopped_) accept();
      });
      return;
    }
    boost::system::error_code e2;
    auto ep = s.remote_endpoint(e2);
    if (!e2) {
      std::string host = ep.address().to_string();
      std::size_t& from_host = per_source_[host];
      if (inbound_ >= limits_.max_inbound) {
        ++stats_.refused_total;
      } else if (from_host >= limits_.max_per_source) {
        ++stats_.refused_per_source;
      } else {
        ++stats_.accepted;
        gossip::Address key{host, ep.port()};
        if (auto it = conns_.find(key); it != conns_.end()) it->second->close();
        auto c = std::make_shared<Conn>(*this, std::move(s), key, !hello_);
        ++inbound_;
        ++per_source_[host];
        conns_[key] = c;
        c->start_inbound(std::move(host));
      }
      if (auto it = per_source_.find(ep.address().to_string());
          it != per_source_.end() && it->second == 0)
        per_source_.erase(it);
    }
    accept();  // a refused socket closes as it goes out of scope
  });
}

void StreamTransport::send(const gossip::Address& to, const tcp::endpoint& ep,
                           gossip::Bytes frame) {
  if (stopped_) return;
  auto it = conns_.find(to);
  if (it == conns_.end()) {
    // We chose whom to reach: the far end's frames are trusted as its answers (still read by
    // chunks as they arrive). Our hello lets it trust ours before a large push-pull.
    auto c = std::make_shared<Conn>(*this, tcp::socket(io_), to, true);
    it = conns_.emplace(to, c).first;
    c->connect(ep);
    if (hello_) c->send(hello_());
  }
  it->second->send(std::move(frame));
}

bool StreamTransport::reply(const gossip::Address& to, gossip::Bytes frame) {
  auto it = conns_.find(to);
  if (it == conns_.end()) {
    ++stats_.replies_dropped;
    return false;
  }
  it->second->send(std::move(frame));
  return true;
}

void StreamTransport::forget(const Conn* c) {
  if (c->inbound()) {
    --inbound_;
    if (auto it = per_source_.find(c->source()); it != per_source_.end() && --it->second == 0)
      per_source_.erase(it);
  }
  auto it = conns_.find(c->key());
  if (it != conns_.end() && it->second.get() == c) conns_.erase(it);
}

std::uint64_t raise_fd_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) return 0;
  if (r.rlim_cur < r.rlim_max) {
    rlimit want = r;
    want.rlim_cur = r.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &want) == 0) r = want;
  }
  return static_cast<std::uint64_t>(r.rlim_cur);
}

}  // namespace shoal::node
