// The one way node/ includes Boost.Asio. Boost 1.74's Asio under C++20 with g++ 12 needs
// <utility> before it (awaitable.hpp uses std::exchange). Include this only from the few .cpp
// files that do I/O (agent.cpp, stream_transport.cpp, http_server.cpp, http_client.cpp): Asio is
// slow to compile.
#pragma once

#include <utility>

#include <boost/asio.hpp>
