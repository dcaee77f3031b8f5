// A minimal synchronous HTTP/1.1 client for the Docker Engine API on a unix socket (Docker, or
// Podman's `podman system service`). One connection per request; every request is bounded by
// a timeout covering connect, write and read, so an engine that is down or hangs gives an
// Error quickly instead of blocking the caller. Beast and Asio stay inside docker_api.cpp.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/spec.hpp"
#include "node/runtime/result.hpp"

namespace shoal::runtime {

struct HttpResponse {
  int status = 0;    // e.g. 200, 404
  std::string body;  // de-chunked
};

class DockerApi {
 public:
  // `socket_path`: a filesystem path (no "unix://"). `timeout`: the default bound per request.
  explicit DockerApi(std::string socket_path, config::Millis timeout = 10000);

  // `target` is relative to the API version, e.g. "/containers/json?all=true": the request goes
  // to "/v1.41" + target. `body`, when not empty, is sent as application/json. `timeout` < 0
  // means the default. Errors: connect refused / no such socket / timed out / malformed reply,
  // each naming the socket and the request. `headers` are added as given (X-Registry-Auth).
  using Headers = std::vector<std::pair<std::string, std::string>>;
  Result<HttpResponse> request(std::string_view method, std::string_view target,
                               std::string_view body = {}, config::Millis timeout = -1,
                               const Headers& headers = {}) const;

  const std::string& socket_path() const { return socket_path_; }
  config::Millis timeout() const { return timeout_; }

 private:
  std::string socket_path_;
  config::Millis timeout_;
};

// "%2F"-style escaping of a query-string value.
std::string url_encode(std::string_view s);

// The message of an engine error body ({"message": "..."}), or the raw body when it is not one.
std::string engine_message(const HttpResponse& r);

}  // namespace shoal::runtime
