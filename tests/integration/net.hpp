// Raw-socket helpers of the integration tests, in one place: what an attacker (or a bare
// client) does on loopback against a real agent's gossip, API or DNS ports.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace shoal::test {

// 127.0.0.1:port.
sockaddr_in loopback(std::uint16_t port);

// A connected TCP socket to 127.0.0.1:port, or -1; `rcvbuf` > 0 shrinks its receive buffer
// first (a reader that falls behind).
int tcp_connect(std::uint16_t port, int rcvbuf = 0);

// Whether all of `s` went out (one send, no SIGPIPE).
bool send_all(int fd, std::string_view s);

// Everything `fd` receives until the far end closes or `timeout_s` passes without a byte.
std::string recv_all(int fd, int timeout_s = 5);

// The 4-byte big-endian length that starts a stream-channel frame (node/stream_frame.hpp).
std::string frame_header(std::uint32_t n);

}  // namespace shoal::test
