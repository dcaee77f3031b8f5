// The gossip stream channel over TCP: each frame is a 4-byte big-endian length, then the
// (sealed) frame. Inbound connections are keyed by the remote endpoint (answers go back on
// them: reply()), outbound ones by the gossip address they reach (send()). Frames come out
// through one callback; the transport knows nothing of gossip or sealing.
//
// Every input is hostile, so what a connection may cost is bounded before it authenticates:
// - inbound connections: at most max_inbound in all and max_per_source from one IP address;
//   beyond, accepted and closed at once (counted);
// - frames are read in chunks as bytes arrive (memory grows with bytes received, never with the
//   length announced); a frame above max_untrusted_frame is refused until an earlier frame of
//   the connection authenticated (the callback said so). An outbound connection first sends
//   the hello frame (a small sealed frame) so the far end trusts it before a large push-pull;
// - a connection whose frame (or, idle, whose next frame or write) does not complete within
//   `deadline` is closed; chunks of a trusted connection's frame count as progress;
// - sends queue at most max_queued bytes; while more than pause_reading bytes wait, the
//   connection is not read (back-pressure: a peer that does not read gets no more answers);
// - accept errors (EMFILE, ENFILE, ...) back off for accept_backoff instead of spinning.
// Runs on one io_context thread; not thread-safe.
#pragma once

#include "node/asio.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>

#include "gossip/types.hpp"

namespace shoal::node {

struct StreamLimits {
  std::size_t max_frame = 16u << 20;            // any frame, bytes
  std::size_t max_untrusted_frame = 64u << 10;  // before a frame of the connection authenticated
  std::size_t chunk = 64u << 10;                // one read, at most
  std::size_t pause_reading = 1u << 20;         // queued send bytes that stop reading
  std::size_t max_queued = 32u << 20;           // queued send bytes that close the connection
  std::size_t max_inbound = 512;
  std::size_t max_per_source = 64;              // inbound connections from one IP address
  std::chrono::milliseconds deadline{10000};    // a frame (or an idle wait) must complete in this
  std::chrono::milliseconds accept_backoff{200};
};

struct StreamStats {
  std::uint64_t accepted = 0;
  std::uint64_t refused_total = 0;       // over max_inbound
  std::uint64_t refused_per_source = 0;  // over max_per_source
  std::uint64_t frames_refused = 0;      // too large (for the connection's trust), or zero
  std::uint64_t unauthenticated = 0;     // connections closed on a frame that did not open
  std::uint64_t timed_out = 0;           // closed by the deadline (idle or slow)
  std::uint64_t overflowed = 0;          // closed with more than max_queued bytes waiting
  std::uint64_t replies_dropped = 0;     // reply() for a connection that is gone
  std::uint64_t accept_errors = 0;
};

class StreamTransport {
 public:
  // The frame from `from` (the connection's key); returns whether it authenticated. A frame
  // that does not closes its connection.
  using FrameFn = std::function<bool(const gossip::Address& from, std::span<const std::byte>)>;
  // The first frame of every outbound connection; null: none, and every connection is trusted
  // from the start (plaintext gossip has nothing to authenticate).
  using HelloFn = std::function<gossip::Bytes()>;

  StreamTransport(boost::asio::io_context& io, StreamLimits limits, FrameFn on_frame,
                  HelloFn hello);
  ~StreamTransport();
  StreamTransport(const StreamTransport&) = delete;
  StreamTransport& operator=(const StreamTransport&) = delete;

  // Binds and listens; empty on success, else the error.
  std::string listen(const boost::asio::ip::tcp::endpoint& ep);
  void start();  // the accept loop
  void stop();   // stops accepting, closes every connection
  // On the connection keyed `to`, opening one to `ep` when there is none.
  void send(const gossip::Address& to, const boost::asio::ip::tcp::endpoint& ep,
            gossip::Bytes frame);
  // On the connection keyed `to` only: an answer never opens a connection (dropped, counted).
  bool reply(const gossip::Address& to, gossip::Bytes frame);
  bool has(const gossip::Address& to) const { return conns_.count(to) != 0; }

  const StreamStats& stats() const { return stats_; }
  std::size_t inbound() const { return inbound_; }

  class Conn;

 private:
  friend class Conn;
  void accept();
  void forget(const Conn* c);

  boost::asio::io_context& io_;
  StreamLimits limits_;
  FrameFn on_frame_;
  HelloFn hello_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_;
  std::map<gossip::Address, std::shared_ptr<Conn>> conns_;
  std::map<std::string, std::size_t> per_source_;  // inbound connections by remote IP
  std::size_t inbound_ = 0;
  StreamStats stats_;
  bool stopped_ = false;
};

// Raises RLIMIT_NOFILE's soft limit to its hard limit; returns the soft limit now in force.
std::uint64_t raise_fd_limit();

}  // namespace shoal::node
