// `shoal logs` between peers: a request/response frame kind on the sealed stream channel
// (node/stream_transport.hpp; the agent seals and opens every frame with the cluster key as it
// does gossip's). A gossip plaintext begins with its protocol version (1); these begin with
// kLogsMagic, so the agent tells them apart by the first byte:
//   [0xF1][version 1][kind: 1 request, 2 response][id: u32 big-endian][JSON body]
// request  {"service","index" (-1: every instance),"tail","since_ms","cursor":{source: pos}}
// response {"lines":[{"t": ms,"i": index,"s": "stdout"|"stderr","l": text}],"cursor":{...},
//           "error": "...", "dropped": n}
// Bounds: a request body <= kMaxLogsRequestBytes, a response body <= kMaxLogsResponseBytes (the
// oldest lines are dropped, and counted, to fit); JSON at most kMaxLogsJsonDepth deep; every
// field checked. Decoding hostile bytes yields an error, never a crash. Pure: no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "gossip/types.hpp"
#include "node/log_line.hpp"
#include "node/logs_query.hpp"

namespace shoal::node {

constexpr std::byte kLogsMagic{0xF1};
constexpr std::uint8_t kLogsWireVersion = 1;
constexpr std::size_t kLogsHeaderBytes = 7;
constexpr std::size_t kMaxLogsRequestBytes = 16u << 10;
constexpr std::size_t kMaxLogsResponseBytes = 4u << 20;  // under StreamLimits::max_frame
constexpr std::size_t kMaxLogsJsonDepth = 4;

struct LogsRequest {
  std::uint32_t id = 0;
  std::string service;
  std::optional<int> index;
  int tail = kDefaultLogTail;
  std::int64_t since_ms = 0;
  LogCursor cursor;
};

struct LogsResponse {
  std::uint32_t id = 0;
  std::vector<LogLine> lines;  // service and peer left empty: the asker knows them
  LogCursor cursor;
  std::string error;           // the owner could not read them (a driver error)
  std::uint64_t dropped = 0;   // lines left out to keep within kMaxLogsResponseBytes
};

struct LogsFrame {
  std::optional<LogsRequest> request;
  std::optional<LogsResponse> response;
  std::string error;  // neither: why the frame was refused
};

// Whether a plaintext of the stream channel is one of these (not gossip).
bool is_logs_frame(std::span<const std::byte> plain);
gossip::Bytes encode_logs_request(const LogsRequest& r);
// Drops the oldest lines until the body fits kMaxLogsResponseBytes (counted in "dropped").
gossip::Bytes encode_logs_response(const LogsResponse& r);
LogsFrame decode_logs_frame(std::span<const std::byte> plain);

}  // namespace shoal::node
