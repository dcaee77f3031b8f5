// The only translation unit that includes Beast (slow to compile): keep it small.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange under C++20

#include "node/runtime/docker_api.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/connect.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <nlohmann/json.hpp>

namespace shoal::runtime {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Local = asio::local::stream_protocol;

constexpr const char* kApiPrefix = "/v1.41";
constexpr std::uint64_t kBodyLimit = 64ull * 1024 * 1024;

}  // namespace

DockerApi::DockerApi(std::string socket_path, config::Millis timeout)
    : socket_path_(std::move(socket_path)), timeout_(timeout > 0 ? timeout : 10000) {}

Result<HttpResponse> DockerApi::request(std::string_view method, std::string_view target,
                                        std::string_view body, config::Millis timeout,
                                        const Headers& headers) const {
  if (timeout < 0) timeout = timeout_;
  std::string what = std::string(method) + " " + std::string(target) + " on unix://" + socket_path_;
  if (socket_path_.empty()) return Error{"no engine socket for " + what};

  asio::io_context ioc;
  Local::socket sock(ioc);
  boost::beast::flat_buffer buf;
  http::request<http::string_body> req{http::string_to_verb(std::string(method)),
                                       std::string(kApiPrefix) + std::string(target), 11};
  req.set(http::field::host, "docker");
  req.set(http::field::user_agent, "shoal");
  req.set(http::field::connection, "close");
  for (const auto& [name, value] : headers) req.set(name, value);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = std::string(body);
  }
  req.prepare_payload();
  http::response_parser<http::string_body> parser;
  parser.body_limit(kBodyLimit);

  boost::system::error_code result;
  const char* stage = "connect";
  bool done = false;
  sock.async_connect(Local::endpoint(socket_path_), [&](boost::system::error_code ec) {
    if (ec) {
      result = ec;
      done = true;
      return;
    }
    stage = "write";
    http::async_write(sock, req, [&](boost::system::error_code ec2, std::size_t) {
      if (ec2) {
        result = ec2;
        done = true;
        return;
      }
      stage = "read";
      http::async_read(sock, buf, parser, [&](boost::system::error_code ec3, std::size_t) {
        result = ec3;
        done = true;
      });
    });
  });
  ioc.run_for(std::chrono::milliseconds(timeout));
  if (!done) {
    boost::system::error_code ignored;
    sock.close(ignored);
    ioc.restart();
    ioc.run();  // let the cancelled handlers finish: they reference locals
    return Error{"timed out after " + std::to_string(timeout) + " ms (" + stage + ") for " + what};
  }
  if (result) return Error{std::string(stage) + " failed for " + what + ": " + result.message()};
  HttpResponse out;
  out.status = static_cast<int>(parser.get().result_int());
  out.body = std::move(parser.get().body());
  return out;
}

std::string url_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string engine_message(const HttpResponse& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string())
    return j["message"].get<std::string>();
  std::string b = r.body;
  while (!b.empty() && (b.back() == '\n' || b.back() == '\r')) b.pop_back();
  return b.empty() ? "HTTP " + std::to_string(r.status) : b;
}

}  // namespace shoal::runtime
