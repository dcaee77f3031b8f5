// The body of the Docker Engine API's GET /containers/{id}/logs, parsed as hostile input.
// Without a TTY the engine multiplexes stdout and stderr: each frame is an 8-byte header
// [stream: 0 stdin, 1 stdout, 2 stderr][0 0 0][payload length, u32 big-endian] and the
// payload. With a TTY the body is the raw output. With timestamps=1 every line begins with an
// RFC 3339 time and a space. Memory follows the bytes received, never a length announced.
// Pure: no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::node {

struct DockerChunk {
  int stream = 1;  // 1 stdout, 2 stderr (stdin, 0, is counted as stdout)
  std::string_view payload;
};

struct DockerFrames {
  std::vector<DockerChunk> chunks;
  bool truncated = false;  // the last frame (or its header) was cut short: what arrived is kept
  std::string error;       // a header that cannot be one (stream > 2, non-zero padding): stop
};

// Whether `body` looks multiplexed (a first header with a stream 0..2 and zero padding); else it
// is a TTY's raw output.
bool looks_multiplexed(std::string_view body);
DockerFrames parse_docker_frames(std::string_view body);

struct StampedLine {
  std::int64_t ts_ms = 0;  // 0 when the line has no valid time prefix (then `text` is whole)
  std::int64_t ts_ns = 0;  // the same in ns since the epoch (a follow cursor), 0 when none
  int stream = 1;
  std::string text;  // not yet UTF-8-checked
};

// The lines of `frames` (a line split over frames is joined per stream; the last line without
// a newline is kept), each with its time prefix parsed off.
std::vector<StampedLine> docker_lines(const DockerFrames& frames);
// "2026-12-07T05:20:00.123456789Z" (fraction optional, Z only) -> ns since the epoch; -1 when
// not exactly that.
std::int64_t parse_rfc3339_ns(std::string_view s);

}  // namespace shoal::node
