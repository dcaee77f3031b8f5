// The peer's orphan heartbeat, once a second: it touches data_dir's heartbeat file, which the
// process driver's supervisors watch, and with the docker driver it keeps the containers'
// watchdog running (node/runtime/watchdog_keeper.hpp). Either stops the instances when the
// heartbeat stops for orphan_timeout. It beats from the io thread, not the driver's worker: a
// step held up by a hung health probe must not make a live peer's instances stop as orphans.
#pragma once

#include "node/asio.hpp"

#include <memory>
#include <optional>
#include <string>

#include "config/spec.hpp"
#include "node/runtime/watchdog_keeper.hpp"

namespace shoal::node {

class OrphanHeartbeat {
 public:
  OrphanHeartbeat(boost::asio::io_context& io, const config::PeerConfig& cfg,
                  const std::string& peer);
  // The first beat at once (before the driver lists what a previous run left, so its
  // watchdog or supervisors see the peer back before anything is adopted), then every second.
  void start();
  void stop();

 private:
  void beat();

  std::string data_dir_;
  std::optional<runtime::WatchdogOptions> watchdog_options_;  // docker driver only
  std::unique_ptr<runtime::WatchdogKeeper> watchdog_;         // made at start()
  boost::asio::steady_timer timer_;
};

}  // namespace shoal::node
