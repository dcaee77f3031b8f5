// The fixed view the golden tests pin (tests only). Changing it changes the golden values.
#pragma once

#include "placement/view.hpp"
#include "place_gen.hpp"

namespace shoal::placement::testing {

inline View golden_view() {
  View v;
  v.peers = {make_peer("alpha", 8000, 16384, "eu-1"),  make_peer("bravo", 16000, 32768, "eu-1"),
             make_peer("charlie", 8000, 8192, "eu-2"), make_peer("delta", 32000, 65536, "eu-2"),
             make_peer("echo", 4000, 8192, "eu-3"),    make_peer("foxtrot", 8000, 16384, "eu-3")};
  v.peers[4].labels["ssd"] = "true";
  v.peers[5].labels["ssd"] = "true";
  auto web = make_service("web", 6, 500, 512);
  auto db = make_service("db", 2, 1000, 2048);
  db.placement.constraints.push_back(constraint(config::Constraint::Attr::label, config::Constraint::Op::eq,
                                                {"true"}, "ssd"));
  auto cache = make_service("cache", 3, 250, 1024);
  cache.placement.spread = config::Placement::Spread::zone;
  auto home = make_service("compose", 2, 100, 128);
  home.placement.home = true;
  home.home_peer = "charlie";
  auto edge = make_service("edge", 3, 100, 64);
  config::Port port;
  port.name = "https";
  port.container = 443;
  port.host = 443;
  edge.ports.push_back(port);
  edge.placement.max_per_peer = 1;
  v.services = {web, db, cache, home, edge};
  return v;
}

}  // namespace shoal::placement::testing
