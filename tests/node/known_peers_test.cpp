// node/known_peers: which members a peer remembers for its next start, and the file's format.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "node/known_peers.hpp"

using shoal::gossip::Address;
using shoal::gossip::Member;
using shoal::gossip::Members;
using shoal::gossip::MemberState;
using shoal::node::format_known_peers;
using shoal::node::parse_known_peers;
using shoal::node::pick_known_peers;

namespace {

Members cluster(int n) {
  Members ms;
  for (int i = 0; i < n; ++i) {
    Member m;
    m.name = "p" + std::to_string(i);
    m.addr = Address{"10.0.0." + std::to_string(i), 7950};
    ms[m.name] = m;
  }
  return ms;
}

}  // namespace

TEST_CASE("known peers: alive others only, at most n, stable, and not the same for everyone") {
  Members ms = cluster(40);
  ms["p3"].state = MemberState::dead;
  ms["p4"].state = MemberState::suspect;
  ms["p5"].state = MemberState::left;
  const auto a = pick_known_peers("p0", ms, 5);
  REQUIRE(a.size() == 5);
  std::set<std::string> hosts;
  for (const auto& x : a) hosts.insert(x.host);
  CHECK(hosts.size() == 5);
  for (const char* h : {"10.0.0.0", "10.0.0.3", "10.0.0.4", "10.0.0.5"}) CHECK(hosts.count(h) == 0);
  CHECK(pick_known_peers("p0", ms, 5) == a);  // same input, same choice
  // A member joining changes the choice only if it ranks among the first five.
  Members more = ms;
  Member extra;
  extra.name = "p99";
  extra.addr = Address{"10.0.1.99", 7950};
  more[extra.name] = extra;
  const auto b = pick_known_peers("p0", more, 5);
  int kept = 0;
  for (const auto& x : a) kept += std::find(b.begin(), b.end(), x) != b.end();
  CHECK(kept >= 4);
  // Another peer picks (mostly) others: no pile-up on the same few after a cluster restart.
  CHECK(pick_known_peers("p1", ms, 5) != a);
  CHECK(pick_known_peers("p0", ms, 100).size() == 36);  // 40 - self - dead - suspect - left
  CHECK(pick_known_peers("p0", cluster(1), 5).empty());   // alone: nothing to remember
}

TEST_CASE("known peers: the file round-trips, IPv6 in brackets, bad lines skipped") {
  std::vector<Address> in{{"10.0.0.1", 7950}, {"::1", 7951}, {"host-b.example", 80}};
  const std::string text = format_known_peers(in);
  CHECK(text == "10.0.0.1:7950\n[::1]:7951\nhost-b.example:80\n");
  CHECK(parse_known_peers(text) == in);
  CHECK(parse_known_peers("garbage\n\n10.0.0.2:1\r\nno-port:\n10.0.0.2:1\n:5\n") ==
        std::vector<Address>{{"10.0.0.2", 1}});
  CHECK(parse_known_peers("").empty());
}
