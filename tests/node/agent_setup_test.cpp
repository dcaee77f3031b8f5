// How a peer file + host facts become the engine's identity, config and metadata.
#include <catch2/catch.hpp>

#include "node/agent_setup.hpp"
#include "node/host.hpp"

using shoal::node::HostFacts;
using shoal::node::resolve_setup;

TEST_CASE("agent setup: name defaults to the host name, advertise to bind or first IPv4",
          "[node][agent]") {
  shoal::config::PeerConfig cfg;  // bind 0.0.0.0:7950, no name, no advertise
  HostFacts host{"box-7", 4000, 8192, "10.1.2.3"};
  auto s = resolve_setup(cfg, host);
  REQUIRE(s.error.empty());
  CHECK(s.name == "box-7");
  CHECK(s.advertise.host == "10.1.2.3");
  CHECK(s.advertise.port == 7950);
  CHECK(s.meta.cpu_milli == 4000);    // "auto" = measured
  CHECK(s.meta.memory_mib == 8192);
  CHECK(s.meta.api == "127.0.0.1:7951");  // api.listen default, a specific host
  cfg.api.listen = {"0.0.0.0", 7951};
  CHECK(resolve_setup(cfg, host).meta.api == "10.1.2.3:7951");  // unspecified: advertise host
  cfg.api.listen = {"127.0.0.1", 7951};
  CHECK_FALSE(s.meta.ready);
  CHECK(s.meta.schedulable);

  cfg.name = "a";
  cfg.bind = {"127.0.0.1", 9000};
  cfg.cpu_milli = 500;
  auto t = resolve_setup(cfg, host);
  CHECK(t.name == "a");
  CHECK(t.advertise.host == "127.0.0.1");  // a specific bind address is advertised as is
  CHECK(t.advertise.port == 9000);
  CHECK(t.meta.cpu_milli == 500);

  cfg.advertise = shoal::config::Address{"192.168.0.9", 9100};
  CHECK(resolve_setup(cfg, host).advertise.to_string() == "192.168.0.9:9100");
}

TEST_CASE("agent setup: profiles and overrides", "[node][agent]") {
  shoal::config::PeerConfig cfg;
  HostFacts host{"h", 1000, 1024, ""};
  CHECK(resolve_setup(cfg, host).gossip.profile == "lan");
  CHECK(resolve_setup(cfg, host).advertise.host == "127.0.0.1");  // no other interface
  cfg.gossip.profile = "fast";
  auto f = resolve_setup(cfg, host);
  REQUIRE(f.error.empty());
  // `fast` is gossip::Config::for_profile's, whole (no second copy in node/).
  const auto fast = *shoal::gossip::Config::for_profile("fast");
  CHECK(f.gossip.profile == "fast");
  CHECK(f.gossip.probe_interval == fast.probe_interval);
  CHECK(f.gossip.probe_timeout == fast.probe_timeout);
  CHECK(f.gossip.suspicion_mult == fast.suspicion_mult);
  CHECK(f.gossip.awareness_max == fast.awareness_max);
  cfg.gossip.probe_interval = 2000;
  cfg.gossip.join_grace = 0;
  auto o = resolve_setup(cfg, host);
  REQUIRE(o.error.empty());
  CHECK(o.gossip.probe_interval == 2000 * shoal::gossip::kMillis);
  CHECK(o.gossip.probe_timeout == fast.probe_timeout);
  CHECK(o.join_grace == 0);
  // The replicated state's settings reach the engine (they were parsed and then ignored).
  CHECK(o.gossip.tombstone_ttl == fast.tombstone_ttl);
  cfg.gossip.tombstone_ttl = 5000;
  cfg.gossip.max_clock_skew = 3000;
  auto t = resolve_setup(cfg, host);
  REQUIRE(t.error.empty());
  CHECK(t.gossip.tombstone_ttl == 5000 * shoal::gossip::kMillis);
  CHECK(t.gossip.max_clock_skew == 3000 * shoal::gossip::kMillis);
  cfg.gossip.profile = "bogus";
  CHECK(resolve_setup(cfg, host).error ==
        "gossip.profile: unknown profile `bogus` (lan, wan, local, fast)");
}

TEST_CASE("host facts are sane", "[node][agent]") {
  CHECK(shoal::node::host_cpu_milli() >= 1000);
  CHECK(shoal::node::host_memory_mib() >= 1);
  CHECK_FALSE(shoal::node::host_name().empty());
  CHECK(shoal::node::is_loopback_host("127.0.0.1"));
  CHECK(shoal::node::is_loopback_host("::1"));
  CHECK_FALSE(shoal::node::is_loopback_host("10.0.0.1"));
}
