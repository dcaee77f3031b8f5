// Files private (issue 13): a real agent keeps data_dir 0700 and every file it writes there
// 0600 (state, published, peers, the process driver's records, logs and heartbeat), tightens a
// data_dir an older version left 0755, and warns about a keyring or token file others may read.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>

#include "cluster.hpp"

using shoal::test::Cluster;
using shoal::test::wait_until;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

unsigned mode_of(const std::string& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0 ? st.st_mode & 07777 : 01000000;
}

}  // namespace

TEST_CASE("data_dir is 0700 and every file the agent writes in it 0600",
          "[integration][security][files]") {
  Cluster c(2);
  auto [kc, key] = c.cli({"keygen"});
  REQUIRE(kc == 0);
  const std::string ring = c.root() + "/keyring", token = c.root() + "/token";
  std::ofstream(ring) << key;
  std::ofstream(token) << "s3cret\n";
  fs::permissions(ring, fs::perms(0640));
  fs::permissions(token, fs::perms(0644));
  const std::string extra = "gossip = { profile = \"fast\", join_grace = \"1s\" }\n"
                            "security = { keyring = \"" + ring + "\" }\n";
  c.set_extra(1, extra);
  {  // set_extra writes an api line of its own, so peer 0's file is written here in full
    const auto& p = c.peer(0);
    std::ofstream(p.config) << "name = \"p0\"\nbind = \"127.0.0.1:" << p.gossip_port << "\"\n"
                            << "data_dir = \"" << p.dir << "/data\"\n"
                            << "services_dir = \"" << p.dir << "/services\"\n"
                            << "api = { listen = \"127.0.0.1:" << p.api_port
                            << "\", token_file = \"" << token << "\" }\n"
                            << extra;
  }
  const std::string data = c.peer(0).dir + "/data";
  fs::create_directories(data);
  fs::permissions(data, fs::perms(0755));  // as an older version left it
  std::ofstream(c.peer(0).dir + "/services/web.toml")
      << "[service.web]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 4\n"
         "placement = { max_per_peer = 2 }\n";
  REQUIRE(shoal::test::start_all_ready(c));

  // Two instances run on each peer; peer 0 persisted its state, what it published and
  // whom to rejoin.
  REQUIRE(wait_until(20s, [&] {
    return fs::exists(data + "/state") && fs::exists(data + "/published") &&
           fs::exists(data + "/peers") && shoal::test::running_map(
               shoal::test::ps_json(c, 0), "web").has_value();
  }));
  REQUIRE(wait_until(10s, [&] { return !c.instances(0).empty() && !c.instances(1).empty(); }));

  for (int i = 0; i < 2; ++i) {
    const std::string d = c.peer(i).dir + "/data";
    CHECK(mode_of(d) == 0700);
    std::set<std::string> seen;
    for (auto it = fs::recursive_directory_iterator(d); it != fs::recursive_directory_iterator();
         ++it) {
      const std::string p = it->path().string();
      const std::string rel = p.substr(d.size() + 1);
      if (rel.rfind("work/", 0) == 0) {  // the workload's own files: its umask decides
        it.disable_recursion_pending();
      }
      INFO(p);
      seen.insert(rel);
      if (it->is_directory()) {
        CHECK(mode_of(p) == 0700);
      } else if (it->is_regular_file()) {
        CHECK(mode_of(p) == 0600);
      }
    }
    for (const char* f : {"state", "published", "peers", "heartbeat", "instances", "logs"}) {
      if (i == 1 && std::string(f) == "published") continue;  // peer 1 publishes nothing
      INFO(f);
      CHECK(seen.count(f) == 1);
    }
  }

  std::ifstream log(c.peer(0).log);
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  CHECK(text.find(data + " was mode 0755") != std::string::npos);
  CHECK(text.find("security.keyring " + ring + " is mode 0640") != std::string::npos);
  CHECK(text.find("api.token_file " + token + " is mode 0644") != std::string::npos);
}
