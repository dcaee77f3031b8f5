// What the peer does on a signal: SIGHUP reloads (the services folder, the keyring, the API
// token); SIGTERM and SIGINT start the departure (drain, then leave); a second SIGINT while it
// departs quits at once (exit 0), a second SIGTERM is ignored. On the io thread.
#pragma once

#include "node/asio.hpp"

#include <functional>

namespace shoal::node {

class ProcessSignals {
 public:
  struct Hooks {
    std::function<void()> reload;
    std::function<bool()> departing;
    std::function<void(const char* why)> depart;
  };

  ProcessSignals(boost::asio::io_context& io, Hooks hooks);
  void start();  // handles signals from now on

 private:
  void on_signal(boost::system::error_code ec, int sig);

  Hooks hooks_;
  boost::asio::signal_set signals_;
};

}  // namespace shoal::node
