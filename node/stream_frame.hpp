// The stream channel's framing (node/stream_transport.hpp): each frame is a 4-byte big-endian
// length, then that many bytes. FrameReader is the reading side as a pure state machine, so
// hostile byte streams (any split into reads) can be tested and fuzzed without sockets
// (tests/fuzz/stream.cpp): a connection asks next() where its next read goes, reads at most
// that many bytes, and tells arrived() how many came.
// - a read never straddles the header and the body (next() asks for the header's rest first);
// - the body buffer grows by at most `chunk` bytes per read, so memory follows the bytes
//   received, never the length announced;
// - the announced length is checked against the limit in force when the header completes (the
//   connection's trust decides it): zero or above, the frame is refused.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "gossip/types.hpp"

namespace shoal::node {

constexpr std::size_t kFrameHeaderBytes = 4;

class FrameReader {
 public:
  enum class State { header, body, ready, refused };

  // Where the next read goes: the header's missing bytes, or at most `chunk` (> 0) more bytes
  // of the body. Only in the header or body state.
  std::span<std::byte> next(std::size_t chunk);
  // `n` bytes (at most what next() gave) arrived; `limit`: the largest frame accepted now.
  State arrived(std::size_t n, std::size_t limit);
  // The whole frame, once ready.
  std::span<const std::byte> frame() const { return body_; }
  // The length the header announced (the last header read).
  std::uint32_t announced() const { return want_; }
  State state() const { return state_; }
  // After a ready frame was handled: waits for the next header. A body buffer above
  // `keep_capacity` is released (one large frame does not pin its memory).
  void reset(std::size_t keep_capacity);

 private:
  State state_ = State::header;
  std::array<std::byte, kFrameHeaderBytes> hdr_{};
  std::size_t hdr_got_ = 0;
  std::uint32_t want_ = 0;
  std::size_t asked_ = 0;  // body bytes next() made room for, not yet arrived
  gossip::Bytes body_;
};

// The header of a frame of `size` bytes.
std::array<std::byte, kFrameHeaderBytes> frame_header(std::uint32_t size);

}  // namespace shoal::node
