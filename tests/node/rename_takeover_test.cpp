// node/rename_takeover: stopping the old name's instances on --rename (virtual time, a fake
// driver), and which instances are foreign.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "node/cli_client.hpp"
#include "node/rename_takeover.hpp"

using shoal::config::Millis;
using shoal::node::foreign_instances;
using shoal::node::take_over;
using shoal::node::TakeoverOptions;
namespace runtime = shoal::runtime;

namespace {

// Instances end `ends_after` ms after stop() (never when negative); force_stop ends them at
// once unless `force_fails`.
class TakeoverDriver : public runtime::Driver {
 public:
  Millis now = 0;
  Millis ends_after = 50;
  bool force_fails = false;
  bool unlisted_while_stopping = false;  // docker: list() shows `running` containers only
  std::map<std::string, runtime::Instance> running;
  std::map<std::string, Millis> ending;  // id -> when it ends
  std::vector<std::string> stopped, forced;

  void add(const std::string& id, const std::string& peer) {
    runtime::Instance i;
    i.id = id;
    i.labels = {peer, "web", static_cast<int>(running.size()), "h"};
    running[id] = i;
  }
  runtime::Result<runtime::Instance> start(const runtime::InstanceSpec&) override {
    return runtime::Error{"not here"};
  }
  runtime::Status stop(const std::string& id, Millis) override {
    if (!running.count(id)) return runtime::Error{"unknown instance " + id};
    stopped.push_back(id);
    if (ends_after >= 0) ending[id] = now + ends_after;
    return {};
  }
  runtime::Status force_stop(const std::string& id) override {
    forced.push_back(id);
    if (!force_fails) running.erase(id);
    return {};
  }
  std::vector<runtime::Instance> list() override {
    std::vector<runtime::Instance> out;
    for (const auto& [id, i] : running)
      if (!unlisted_while_stopping || !ending.count(id)) out.push_back(i);
    return out;
  }
  std::vector<runtime::Exit> poll() override {
    std::vector<runtime::Exit> out;
    for (auto it = ending.begin(); it != ending.end();) {
      if (now >= it->second && running.count(it->first)) {
        out.push_back({it->first, running[it->first].labels, runtime::Exit::Reason::stopped});
        running.erase(it->first);
        it = ending.erase(it);
      } else {
        ++it;
      }
    }
    return out;
  }
  void heartbeat() override {}
};

TakeoverOptions opts(TakeoverDriver& d) {
  TakeoverOptions o;
  o.grace = 1000;
  o.force_after = 500;
  o.give_up_after = 500;
  o.now = [&d] { return d.now; };
  o.sleep = [&d](Millis ms) { d.now += ms; };
  return o;
}

}  // namespace

TEST_CASE("takeover: stops exactly the old name's instances and waits for their end") {
  TakeoverDriver d;
  d.add("a", "old");
  d.add("b", "new");
  d.add("c", "old");
  d.add("x", "stranger");
  auto r = take_over(d, "old", opts(d));
  CHECK(r.error.empty());
  CHECK(d.stopped == std::vector<std::string>{"a", "c"});
  CHECK(r.stopped == std::vector<std::string>{"a", "c"});
  CHECK(r.left.empty());
  CHECK(d.forced.empty());
  CHECK(d.running.count("b") == 1);
  CHECK(d.running.count("x") == 1);
  CHECK(d.running.count("a") == 0);
  CHECK(d.now < 1000);  // returned once they ended, not after the grace
}

TEST_CASE("takeover: one that left list() but whose end poll() has not reported is waited for") {
  TakeoverDriver d;
  d.unlisted_while_stopping = true;
  d.ends_after = 700;  // `stopping` for 700 ms: unlisted, not ended, not yet removed
  d.add("a", "old");
  auto r = take_over(d, "old", opts(d));
  CHECK(r.error.empty());
  CHECK(d.running.empty());  // poll() reported (and so removed) it before take_over returned
  CHECK(d.now >= 700);
  CHECK(d.forced.empty());
}

TEST_CASE("takeover: nothing of the old name: returns at once") {
  TakeoverDriver d;
  d.add("b", "new");
  auto r = take_over(d, "old", opts(d));
  CHECK(r.error.empty());
  CHECK(d.stopped.empty());
  CHECK(d.now == 0);
}

TEST_CASE("takeover: an instance that ignores its stop is forced after grace + margin") {
  TakeoverDriver d;
  d.ends_after = -1;
  d.add("a", "old");
  auto r = take_over(d, "old", opts(d));
  CHECK(r.error.empty());
  CHECK(d.forced == std::vector<std::string>{"a"});
  CHECK(d.now >= 1500);
  CHECK(d.running.empty());
}

TEST_CASE("takeover: one that survives the force too fails the take-over, bounded") {
  TakeoverDriver d;
  d.ends_after = -1;
  d.force_fails = true;
  d.add("a", "old");
  auto r = take_over(d, "old", opts(d));
  REQUIRE_FALSE(r.error.empty());
  CHECK(r.error.find("a") != std::string::npos);
  CHECK(r.left == std::vector<std::string>{"a"});
  CHECK(d.now >= 2000);
  CHECK(d.now < 2500);
}

TEST_CASE("foreign instances: every other label than ours") {
  std::vector<runtime::Instance> listed(3);
  listed[0].id = "a";
  listed[0].labels.peer = "me";
  listed[1].id = "b";
  listed[1].labels.peer = "old";
  listed[2].id = "c";
  listed[2].labels.peer = "";
  auto f = foreign_instances(listed, "me");
  REQUIRE(f.size() == 2);
  CHECK(f[0].id == "b");
  CHECK(f[1].id == "c");
}

TEST_CASE("status text: one line per foreign instance, with its peer label and pid") {
  auto s = nlohmann::json::parse(R"({"name":"new","foreign_instances":[
    {"id":"web-0.0","peer":"old","service":"web","index":0,"pid":4242}]})");
  const std::string t = shoal::node::status_text(s);
  CHECK(t.find("foreign:    web/0 (pid 4242) is labelled for peer old: not managed here") !=
        std::string::npos);
}
