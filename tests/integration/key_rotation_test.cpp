// Cluster-wide key rotation end to end: 5 peers, `shoal keys install|use|remove` through one
// peer's API while specs are written steadily. No peer ever leaves the membership, no packet
// fails to authenticate on any peer (a rotation that lost packets would count them), every
// write reaches every peer, and every keyring file ends holding the new key alone, 0600.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <set>

#include "cluster.hpp"
#include "node/http.hpp"
#include "node/persist.hpp"

using shoal::test::Cluster;
using shoal::test::wait_until;
using namespace std::chrono_literals;

namespace {

// Every peer sees all n alive; the names of peers that did not (or did not answer).
std::set<std::string> not_all_alive(Cluster& c) {
  std::set<std::string> bad;
  for (int i = 0; i < c.size(); ++i) {
    auto m = c.get(i, "/v1/members");
    int alive = 0;
    if (m) {
      for (const auto& x : *m) alive += x["state"] == "alive";
    }
    if (alive != c.size()) bad.insert(c.peer(i).name);
  }
  return bad;
}

std::int64_t unauthenticated(Cluster& c) {
  std::int64_t n = 0;
  for (int i = 0; i < c.size(); ++i) {
    auto s = c.get(i, "/v1/status");
    n += s ? (*s)["stats"]["packets_unauthenticated"].get<std::int64_t>() : 1000000;
  }
  return n;
}

}  // namespace

TEST_CASE("keys install/use/remove rotate every peer's key under writes, losing nothing",
          "[integration][security][keys]") {
  Cluster c(5);
  REQUIRE(shoal::test::start_all_ready(c));
  const std::string api = shoal::test::api_addr(c, 0);
  const std::string old_key = shoal::node::read_file(c.keyring())->substr(0, 44);
  auto [gen, new_key] = c.cli({"keygen"});
  REQUIRE(gen == 0);
  new_key = new_key.substr(0, 44);

  int written = 0;
  std::set<std::string> dropped_out;
  auto write_some = [&](int n) {
    for (int k = 0; k < n; ++k, ++written) {
      const std::string f = c.root() + "/w" + std::to_string(written) + ".toml";
      std::ofstream(f) << "[service.w" << written << "]\ncommand = [\"true\"]\nreplicas = 0\n";
      const int via = written % c.size();
      CHECK(c.cli({"apply", f, "--api", shoal::test::api_addr(c, via)}).first == 0);
      for (const auto& name : not_all_alive(c)) dropped_out.insert(name);
    }
  };
  write_some(3);
  auto early = c.cli({"keys", "use", new_key, "--api", api});
  CHECK(early.first == 1);  // not installed: refused
  auto inst = c.cli({"keys", "install", new_key, "--api", api});
  INFO(inst.second);
  REQUIRE(inst.first == 0);
  write_some(5);
  auto use = c.cli({"keys", "use", new_key, "--api", shoal::test::api_addr(c, 2)});
  INFO(use.second);
  REQUIRE(use.first == 0);
  write_some(5);
  auto rm = c.cli({"keys", "remove", old_key, "--api", api});
  INFO(rm.second);
  REQUIRE(rm.first == 0);
  write_some(5);

  CHECK(dropped_out.empty());
  CHECK(unauthenticated(c) == 0);
  CHECK(wait_until(15s, [&] {
    for (int i = 0; i < c.size(); ++i) {
      auto s = c.get(i, "/v1/services");
      if (!s || static_cast<int>(s->size()) != written) return false;
    }
    return true;
  }));
  auto list = c.cli({"keys", "list", "--json", "--api", shoal::test::api_addr(c, 4)});
  REQUIRE(list.first == 0);
  auto v = nlohmann::json::parse(list.second);
  CHECK(v["keys"].size() == 1);
  CHECK(v["converged"] == true);
  CHECK(list.second.find(new_key) == std::string::npos);  // fingerprints, never keys
  // Every peer's keyring file now holds the new key alone, still private.
  for (int i = 0; i < c.size(); ++i) {
    CHECK(*shoal::node::read_file(c.keyring_of(i)) == new_key + "\n");
    struct stat st {};
    REQUIRE(::stat(c.keyring_of(i).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
  }
}

TEST_CASE("keys API: hostile bodies are refused and change no keyring",
          "[asan][integration][security][keys]") {
  Cluster c(1);
  c.start(0);
  REQUIRE(wait_until(10s, [&] { return c.get(0, "/v1/keys").has_value(); }));
  const std::string sock = c.peer(0).dir + "/data/api.sock";
  const std::string before = *shoal::node::read_file(c.keyring_of(0));
  const std::string huge(200000, 'A');
  for (const std::string body :
       {std::string("not json"), std::string("[]"), std::string(R"({"op":5,"key":"x"})"),
        std::string(R"({"op":"install"})"), std::string(R"({"op":"frob","key":"x"})"),
        std::string(R"({"op":"install","key":"bm90IGEga2V5"})"),
        R"({"op":"install","key":")" + huge + R"("})", std::string("{\"op\":\"use\",\"key\":\"\xff\"}")}) {
    INFO(body.substr(0, 60));
    auto r = shoal::node::http_call_unix(sock, "POST", "/v1/keys", body, "", 3000);
    REQUIRE(r.ok);
    CHECK(r.status == 400);
  }
  CHECK(*shoal::node::read_file(c.keyring_of(0)) == before);
  CHECK(c.get(0, "/v1/status").has_value());
}
