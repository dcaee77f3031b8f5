// Boost.Beast's websocket client stays in this file.
#include "node/asio.hpp"

#include "cdp_client.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "cluster.hpp"
#include "node/http.hpp"

namespace shoal::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using Json = nlohmann::json;

std::string chromium_path() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (::access(p, X_OK) == 0) return p;
  return "";
}

struct Chromium::Ws {
  asio::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  bool open = false;

  // Runs io until `done` or `limit`; on a timeout the socket is closed (the stream is then
  // useless) and false returned.
  bool run(bool& done, std::chrono::milliseconds limit) {
    io.restart();
    io.run_for(limit);
    if (done) return true;
    beast::error_code ignore;
    beast::get_lowest_layer(ws).socket().close(ignore);
    io.restart();
    io.run_for(std::chrono::seconds(1));  // lets the aborted handlers finish
    open = false;
    return false;
  }
};

Chromium::Chromium(const std::string& binary, const std::string& dir, const std::string& url)
    : dir_(dir) {
  std::filesystem::create_directories(dir + "/profile");
  const std::string log = dir + "/chromium.log";
  std::vector<std::string> args = {binary,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--no-first-run",
                                   "--no-default-browser-check",
                                   "--disable-background-networking",
                                   "--disable-extensions",
                                   "--disable-sync",
                                   "--remote-debugging-address=127.0.0.1",
                                   "--remote-debugging-port=0",
                                   "--user-data-dir=" + dir + "/profile",
                                   "--window-size=1280,900",
                                   url};
  pid_ = ::fork();
  if (pid_ == 0) {
    ::setpgid(0, 0);  // its own group: the zygote and renderers go with it
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  if (pid_ > 0) ::setpgid(pid_, pid_);  // also here, so the group exists before we may kill it
}

Chromium::~Chromium() {
  ws_.reset();
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

std::string Chromium::log_tail() const {
  std::string text = read_text(dir_ + "/chromium.log");
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

std::string Chromium::connect(std::chrono::milliseconds limit) {
  if (pid_ <= 0) return "fork failed";
  const auto deadline = std::chrono::steady_clock::now() + limit;
  // Chromium writes its DevTools port to the profile once it listens.
  std::uint16_t port = 0;
  if (!wait_until(limit, [&] {
        std::ifstream in(dir_ + "/profile/DevToolsActivePort");
        int p = 0;
        if (!(in >> p) || p <= 0 || p > 65535) return false;
        port = static_cast<std::uint16_t>(p);
        return true;
      }))
    return "no DevToolsActivePort within the limit";
  // The page target of our URL, once it exists.
  std::string path;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  const bool found = wait_until(
      left,
      [&] {
        auto r = node::http_call("127.0.0.1", port, "GET", "/json/list", "", "", 2000);
        if (!r.ok || r.status != 200) return false;
        Json list = Json::parse(r.body, nullptr, false);
        if (!list.is_array()) return false;
        for (const auto& t : list) {
          if (t.value("type", "") != "page") continue;
          const std::string url = t.value("webSocketDebuggerUrl", "");
          const auto slash = url.find('/', std::string("ws://").size());
          if (slash == std::string::npos) continue;
          path = url.substr(slash);
          return true;
        }
        return false;
      });
  if (!found) return "no page target on DevTools port " + std::to_string(port);
  ws_ = std::make_unique<Ws>();
  bool done = false;
  beast::error_code err;
  auto& tcp = beast::get_lowest_layer(ws_->ws);
  tcp.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                    [&](beast::error_code ec) {
                      if (ec) {
                        err = ec;
                        done = true;
                        return;
                      }
                      ws_->ws.async_handshake("127.0.0.1:" + std::to_string(port), path,
                                              [&](beast::error_code hec) {
                                                err = hec;
                                                done = true;
                                              });
                    });
  if (!ws_->run(done, std::chrono::seconds(5))) return "DevTools websocket: timeout";
  if (err) return "DevTools websocket: " + err.message();
  ws_->open = true;
  return "";
}

std::optional<Json> Chromium::eval(const std::string& expression, std::chrono::milliseconds limit) {
  auto r = call("Runtime.evaluate",
                {{"expression", expression}, {"returnByValue", true}, {"awaitPromise", true}}, limit);
  if (!r || r->contains("exceptionDetails") || !r->contains("result")) return std::nullopt;
  return (*r)["result"].value("value", Json());
}

std::optional<Json> Chromium::call(const std::string& method, const Json& params,
                                   std::chrono::milliseconds limit) {
  if (!ws_ || !ws_->open) return std::nullopt;
  const int id = next_id_++;
  const std::string msg = Json{{"id", id}, {"method", method}, {"params", params}}.dump();
  bool done = false;
  std::optional<Json> out;
  beast::flat_buffer buf;
  std::function<void()> read_one = [&] {
    ws_->ws.async_read(buf, [&](beast::error_code ec, std::size_t) {
      if (ec) {
        done = true;
        return;
      }
      Json j = Json::parse(beast::buffers_to_string(buf.data()), nullptr, false);
      buf.consume(buf.size());
      if (!j.is_object() || j.value("id", -1) != id) {  // an event, or an old answer
        read_one();
        return;
      }
      done = true;
      if (j.contains("result")) out = j["result"];
    });
  };
  ws_->ws.text(true);
  ws_->ws.async_write(asio::buffer(msg), [&](beast::error_code ec, std::size_t) {
    if (ec) {
      done = true;
      return;
    }
    read_one();
  });
  if (!ws_->run(done, limit)) return std::nullopt;
  return out;
}

}  // namespace shoal::test
