// Per-line arrival times in the process driver's log files, as `docker logs -t` gives them:
// the supervisor (node/runtime/supervisor.cpp) writes every line of the instance's output as
//   "2026-12-07T05:20:00.123456789Z <the line>\n"
// where the time (RFC 3339, UTC, nanoseconds, the host's wall clock) is when the line's first
// byte was read from the instance's pipe. node/local_logs.cpp reads it back (parse_log_stamp);
// a line without it (a file an older supervisor wrote) takes its file's last write.
//
// LineStamper holds no line: bytes go out as they arrive, so memory does not grow with a line
// that never ends; such a line is cut every kMaxStampedLineBytes (as Docker cuts at 16 KiB),
// each part stamped. Everything here is async-signal-safe (no malloc, no locks): it runs in the
// forked supervisor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace shoal::runtime {

constexpr std::size_t kLogStampBytes = 31;  // the time and one space
constexpr std::size_t kMaxStampedLineBytes = 16u << 10;

// "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ " for `ns` since the epoch (before 1970: 1970) into `out`.
void format_log_stamp(std::int64_t ns, char out[kLogStampBytes]) noexcept;

// The time `line` starts with, in ns since the epoch; nullopt when it does not start with one
// written by format_log_stamp (exactly that shape, a real date).
std::optional<std::int64_t> parse_log_stamp(std::string_view line) noexcept;

// Stamps a stream of output bytes line by line into `buf` (caller-owned, at least
// kLogStampBytes + 1 bytes; larger means fewer writes), which it hands to `sink(data, n)` when
// full and at the end of each feed.
class LineStamper {
 public:
  LineStamper(char* buf, std::size_t cap, std::size_t max_line = kMaxStampedLineBytes) noexcept
      : buf_(buf), cap_(cap), max_line_(max_line) {}

  // `data` read at `now_ns`: every line that starts in it is stamped `now_ns`.
  template <class Sink>
  void feed(const char* data, std::size_t n, std::int64_t now_ns, Sink&& sink) noexcept {
    for (std::size_t i = 0; i < n;) {
      if (at_start_) {
        room(kLogStampBytes, sink);
        format_log_stamp(now_ns, buf_ + len_);
        len_ += kLogStampBytes;
        at_start_ = false;
        line_ = 0;
      }
      // Up to the line's end, or to where a line too long is cut (not inside a UTF-8 sequence,
      // unless it runs on for 3 bytes past the limit: then it is no valid sequence anyway).
      std::size_t j = i;
      bool ends = false, cut = false;
      while (j < n) {
        if (data[j] == '\n') {
          ends = true;
          ++j;
          break;
        }
        if (line_ + (j - i) >= max_line_ &&
            ((static_cast<unsigned char>(data[j]) & 0xC0) != 0x80 || line_ + (j - i) >= max_line_ + 3)) {
          cut = true;
          break;
        }
        ++j;
      }
      put(data + i, j - i, sink);
      line_ += j - i;
      if (cut) put("\n", 1, sink);
      at_start_ = ends || cut;
      i = j;
    }
    flush(sink);
  }

  // The end of the stream: a last line without its newline gets one.
  template <class Sink>
  void finish(Sink&& sink) noexcept {
    if (!at_start_) put("\n", 1, sink);
    at_start_ = true;
    flush(sink);
  }

 private:
  template <class Sink>
  void flush(Sink& sink) noexcept {
    if (len_ > 0) sink(buf_, len_);
    len_ = 0;
  }
  template <class Sink>
  void room(std::size_t n, Sink& sink) noexcept {
    if (cap_ - len_ < n) flush(sink);
  }
  template <class Sink>
  void put(const char* p, std::size_t n, Sink& sink) noexcept {
    while (n > 0) {
      if (len_ == cap_) flush(sink);
      const std::size_t take = n < cap_ - len_ ? n : cap_ - len_;
      std::memcpy(buf_ + len_, p, take);
      len_ += take;
      p += take;
      n -= take;
    }
  }

  char* buf_;
  std::size_t cap_, len_ = 0, max_line_;
  std::size_t line_ = 0;  // bytes of the current line so far
  bool at_start_ = true;
};

}  // namespace shoal::runtime
