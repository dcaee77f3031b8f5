// Seed names are resolved in the background: lookup() never blocks, answers IP literals at
// once, seed names once resolved, and nothing for names that are not seeds.
#include <catch2/catch.hpp>

#include <chrono>

#include "node/seed_resolver.hpp"

using namespace shoal::node;

TEST_CASE("seed resolver: IP literals at once, seed names in the background, others never",
          "[node][seed_resolver]") {
  boost::asio::io_context io;
  std::vector<std::string> logs;
  SeedResolver r(io, [&](const std::string& m) { logs.push_back(m); });
  CHECK(r.lookup("10.0.0.5")->to_string() == "10.0.0.5");
  CHECK(r.lookup("::1")->to_string() == "::1");
  r.set_names({"localhost", "10.0.0.9", "name.invalid"});
  const auto t0 = std::chrono::steady_clock::now();
  CHECK_FALSE(r.lookup("localhost"));  // not yet: never waits
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(50));
  for (int i = 0; i < 200 && (r.lookup("localhost") == std::nullopt || logs.empty()); ++i)
    io.run_for(std::chrono::milliseconds(50));
  REQUIRE(r.lookup("localhost"));
  CHECK(r.lookup("localhost")->is_loopback());
  CHECK_FALSE(r.lookup("name.invalid"));  // failed: cached, logged once
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].rfind("cannot resolve join seed name.invalid", 0) == 0);
  io.run_for(std::chrono::milliseconds(100));
  CHECK(logs.size() == 1);  // not retried within kRetryAfter
  CHECK_FALSE(r.lookup("other.example"));  // not a seed: never resolved
  CHECK(r.refused() == 1);
}
