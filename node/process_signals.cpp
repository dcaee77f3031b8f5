#include "node/process_signals.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>

namespace shoal::node {

ProcessSignals::ProcessSignals(boost::asio::io_context& io, Hooks hooks)
    : hooks_(std::move(hooks)), signals_(io, SIGINT, SIGTERM) {
  signals_.add(SIGHUP);
}

void ProcessSignals::start() {
  signals_.async_wait([this](boost::system::error_code ec, int sig) { on_signal(ec, sig); });
}

void ProcessSignals::on_signal(boost::system::error_code ec, int sig) {
  if (ec) return;
  if (sig == SIGHUP) {
    hooks_.reload();
  } else if (hooks_.departing()) {
    if (sig == SIGINT) {
      spdlog::warn("second interrupt: quitting at once");
      spdlog::default_logger()->flush();
      std::_Exit(0);
    }
  } else {
    hooks_.depart(sig == SIGTERM ? "SIGTERM" : "SIGINT");
  }
  start();
}

}  // namespace shoal::node
