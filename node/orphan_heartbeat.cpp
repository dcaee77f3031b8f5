#include "node/orphan_heartbeat.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "node/runtime/process_driver.hpp"

namespace shoal::node {

OrphanHeartbeat::OrphanHeartbeat(boost::asio::io_context& io, const config::PeerConfig& cfg,
                                 const std::string& peer)
    : data_dir_(cfg.data_dir), timer_(io) {
  if (cfg.runtime.driver == "docker") {
    watchdog_options_ = runtime::WatchdogOptions{cfg.data_dir, peer, cfg.runtime.socket,
                                                 cfg.runtime.orphan_timeout};
  }
}

void OrphanHeartbeat::start() {
  // The keeper asks a previous run's watchdog to go: only once this peer runs.
  if (watchdog_options_ && !watchdog_) {
    watchdog_ = std::make_unique<runtime::WatchdogKeeper>(
        *watchdog_options_, [](std::string_view l) { spdlog::info("{}", l); });
  }
  beat();
}

void OrphanHeartbeat::beat() {
  if (std::string e = runtime::touch_heartbeat(data_dir_); !e.empty()) spdlog::warn("{}", e);
  if (watchdog_) watchdog_->tick();
  timer_.expires_after(std::chrono::seconds(1));
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) beat();
  });
}

void OrphanHeartbeat::stop() { timer_.cancel(); }

}  // namespace shoal::node
