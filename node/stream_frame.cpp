#include "node/stream_frame.hpp"

#include <algorithm>

namespace shoal::node {

std::span<std::byte> FrameReader::next(std::size_t chunk) {
  if (state_ == State::header) return std::span(hdr_).subspan(hdr_got_);
  if (state_ != State::body) return {};
  // Room only for what may arrive now: the buffer grows with the bytes received.
  const std::size_t got = body_.size() - asked_;
  const std::size_t step = std::min(std::max<std::size_t>(chunk, 1), want_ - got);
  body_.resize(got + step);
  asked_ = step;
  return std::span(body_).subspan(got, step);
}

FrameReader::State FrameReader::arrived(std::size_t n, std::size_t limit) {
  if (state_ == State::header) {
    hdr_got_ += std::min(n, hdr_.size() - hdr_got_);
    if (hdr_got_ < hdr_.size()) return state_;
    want_ = 0;
    for (std::byte b : hdr_) want_ = (want_ << 8) | static_cast<std::uint8_t>(b);
    if (want_ == 0 || want_ > limit) return state_ = State::refused;
    body_.clear();
    asked_ = 0;
    return state_ = State::body;
  }
  if (state_ != State::body) return state_;
  n = std::min(n, asked_);
  body_.resize(body_.size() - asked_ + n);  // the room asked for and not filled goes
  asked_ = 0;
  if (body_.size() == want_) state_ = State::ready;
  return state_;
}

void FrameReader::reset(std::size_t keep_capacity) {
  if (state_ != State::ready) return;
  if (body_.capacity() > keep_capacity) gossip::Bytes().swap(body_);
  else body_.clear();
  hdr_got_ = 0;
  asked_ = 0;
  state_ = State::header;
}

std::array<std::byte, kFrameHeaderBytes> frame_header(std::uint32_t size) {
  std::array<std::byte, kFrameHeaderBytes> h{};
  for (std::size_t i = 0; i < h.size(); ++i)
    h[i] = static_cast<std::byte>((size >> (24 - 8 * i)) & 0xff);
  return h;
}

}  // namespace shoal::node
