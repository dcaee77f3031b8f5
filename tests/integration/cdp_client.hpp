// Headless Chromium for the dashboard tests: started with a page, driven over the DevTools
// protocol (Runtime.evaluate on a Boost.Beast websocket), killed by its process group id.
// Every step is bounded in time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace shoal::test {

// The chromium binary ("" when it is not installed).
std::string chromium_path();

class Chromium {
 public:
  // Starts `binary` headless on `url` with a profile under `dir`; the log goes to dir/chromium.log.
  Chromium(const std::string& binary, const std::string& dir, const std::string& url);
  ~Chromium();  // SIGKILL to its process group, then reaped
  Chromium(const Chromium&) = delete;
  Chromium& operator=(const Chromium&) = delete;

  // Waits (bounded) for the DevTools port and connects to the page; why not, or "".
  std::string connect(std::chrono::milliseconds limit);
  // The value of `expression` evaluated in the page (returnByValue), or nullopt on a timeout, a
  // lost connection or an exception thrown in the page.
  std::optional<nlohmann::json> eval(const std::string& expression,
                                     std::chrono::milliseconds limit = std::chrono::seconds(5));
  // Any DevTools method on the page: its `result`, or nullopt (timeout, lost connection, error).
  std::optional<nlohmann::json> call(const std::string& method, const nlohmann::json& params,
                                     std::chrono::milliseconds limit = std::chrono::seconds(5));
  pid_t pid() const { return pid_; }
  std::string log_tail() const;

 private:
  struct Ws;
  std::string dir_;
  pid_t pid_ = -1;
  std::unique_ptr<Ws> ws_;
  int next_id_ = 1;
};

}  // namespace shoal::test
