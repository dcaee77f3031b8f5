// The event log: a bounded ring with consecutive seqs, fields cut on UTF-8 boundaries, and the
// answer of GET /v1/events (DESIGN: {"ts","kind","peer","service","index","reason",...}), and
// host.shed as a service starts being shed (health shedding).
#include <catch2/catch.hpp>

#include "node/peer/event_log.hpp"

using shoal::node::EventLog;
using shoal::node::PeerEvent;

namespace {

PeerEvent member(std::int64_t t, const std::string& kind, const std::string& peer,
                 const std::string& reason = "") {
  return PeerEvent{0, t, kind, peer, "", -1, reason};
}

}  // namespace

TEST_CASE("event log: seqs from 1, after() returns the newer ones in order", "[node][events]") {
  EventLog log;
  CHECK(log.last_seq() == 0);
  CHECK(log.oldest_seq() == 1);
  CHECK(log.after(0).empty());
  log.record(member(1000, "member.suspect", "p2", "reported by p3"));
  log.record(member(2000, "member.dead", "p2"));
  log.record(PeerEvent{0, 3000, "instance.running", "p0", "web", 0, ""});
  CHECK(log.last_seq() == 3);
  auto all = log.after(0);
  REQUIRE(all.size() == 3);
  CHECK(all[0].seq == 1);
  CHECK(all[0].reason == "reported by p3");
  CHECK(all[2].service == "web");
  auto newer = log.after(1);
  REQUIRE(newer.size() == 2);
  CHECK(newer[0].kind == "member.dead");
  CHECK(log.after(3).empty());
  CHECK(log.after(99).empty());
  CHECK(log.after(0, 1).size() == 1);
}

TEST_CASE("event log: the ring keeps the newest `capacity` events, seqs go on", "[node][events]") {
  EventLog log(3);
  for (int i = 0; i < 10; ++i) log.record(member(i, "member.joined", "p" + std::to_string(i)));
  CHECK(log.size() == 3);
  CHECK(log.last_seq() == 10);
  CHECK(log.oldest_seq() == 8);
  auto kept = log.after(2);  // the asker missed 3..7
  REQUIRE(kept.size() == 3);
  CHECK(kept.front().seq == 8);
  CHECK(kept.back().peer == "p9");
  CHECK(log.after(8).size() == 2);
}

TEST_CASE("event log: hostile text is cut to 256 bytes, never inside a UTF-8 character",
          "[node][events]") {
  EventLog log;
  std::string utf8(255, 'a');
  utf8 += "\xc3\xa9tail";  // 'é' straddles byte 256
  log.record(member(0, "member.dead", std::string(100000, 'x'), utf8));
  const auto e = log.after(0).at(0);
  CHECK(e.peer.size() == EventLog::kMaxFieldBytes);
  CHECK(e.reason == std::string(255, 'a'));
}

TEST_CASE("event log: timestamps are UTC RFC 3339 with milliseconds", "[node][events]") {
  using shoal::node::utc_timestamp;
  CHECK(utc_timestamp(0) == "1970-01-01T00:00:00.000Z");
  CHECK(utc_timestamp(1765076400123) == "2025-12-07T03:00:00.123Z");
  CHECK(utc_timestamp(951782400000) == "2000-02-29T00:00:00.000Z");
  CHECK(utc_timestamp(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(utc_timestamp(INT64_MAX) == "-");
  CHECK(utc_timestamp(INT64_MIN) == "-");
}

TEST_CASE("event log: GET /v1/events' answer", "[node][events]") {
  EventLog log(2);
  log.record(member(5, "member.joined", "p1"));
  log.record(member(6, "member.joined", "p2"));
  log.record(PeerEvent{0, 7, "instance.failed", "p0", "web", 2, "exit code 1"});
  const auto j = shoal::node::events_answer(log, 0, "p0");
  CHECK(j["seen_by"] == "p0");
  CHECK(j["index"] == 3);
  CHECK(j["oldest"] == 2);
  REQUIRE(j["events"].size() == 2);
  CHECK(j["events"][0] == nlohmann::json{{"seq", 2}, {"ts", "1970-01-01T00:00:00.006Z"},
                                          {"kind", "member.joined"}, {"peer", "p2"},
                                          {"service", nullptr}, {"index", nullptr},
                                          {"reason", ""}});
  CHECK(j["events"][1]["service"] == "web");
  CHECK(j["events"][1]["index"] == 2);
}

TEST_CASE("event log: instance events between two status reports", "[node][events]") {
  using shoal::placement::InstanceState;
  using shoal::placement::InstanceStatus;
  shoal::placement::PeerStatus before, now;
  auto inst = [](const char* svc, std::uint32_t i, InstanceState s) {
    InstanceStatus st;
    st.id = {svc, i};
    st.state = s;
    return st;
  };
  before.instances = {inst("db", 0, InstanceState::running), inst("web", 0, InstanceState::starting),
                      inst("web", 1, InstanceState::running)};
  auto failed = inst("web", 1, InstanceState::failed);
  failed.exit_code = 3;
  failed.restarts = 5;
  now.instances = {inst("web", 0, InstanceState::healthy), failed, inst("web", 2, InstanceState::starting)};
  auto events = shoal::node::instance_events(before, now, "p1", 42);
  REQUIRE(events.size() == 4);
  CHECK(events[0].kind == "instance.gone");  // db/0
  CHECK(events[0].service == "db");
  CHECK(events[1].kind == "instance.healthy");
  CHECK(events[1].index == 0);
  CHECK(events[2].kind == "instance.failed");
  CHECK(events[2].reason == "exit code 3, 5 restart(s)");
  CHECK(events[3].kind == "instance.starting");
  CHECK(events[3].index == 2);
  for (const auto& e : events) {
    CHECK(e.peer == "p1");
    CHECK(e.time_ms == 42);
  }
  CHECK(shoal::node::instance_events(now, now, "p1", 43).empty());
}

TEST_CASE("event log: gossip events users see, and only those", "[node][peer][events]") {
  using shoal::gossip::EventKind;
  shoal::gossip::Store store("a");
  shoal::gossip::Event dead{EventKind::member_dead, "p2", {"10.0.0.2", 7950}, 4, "p3"};
  auto e = shoal::node::gossip_event(dead, store, 1000);
  REQUIRE(e);
  CHECK(e->kind == "member.dead");
  CHECK(e->peer == "p2");
  CHECK(e->reason == "reported by p3");
  CHECK(e->time_ms == 1000);
  shoal::gossip::Event conflict{EventKind::name_conflict, "p2", {"10.0.0.9", 7950}, 1, ""};
  CHECK(shoal::node::gossip_event(conflict, store, 1)->reason == "claimed by 10.0.0.9:7950");
  shoal::gossip::Event updated{EventKind::member_updated, "p2", {}, 5, ""};
  CHECK_FALSE(shoal::node::gossip_event(updated, store, 1));
  shoal::gossip::Event status{EventKind::state_changed, "status/p2", {}, 0, ""};
  CHECK_FALSE(shoal::node::gossip_event(status, store, 1));
  shoal::gossip::Event unknown_spec{EventKind::state_changed, "spec/web", {}, 0, ""};
  CHECK_FALSE(shoal::node::gossip_event(unknown_spec, store, 1));  // not in the store
}

TEST_CASE("host.shed: one event per service as it starts being shed",
          "[node][events][reschedule][shed]") {
  shoal::placement::PeerStatus before, now;
  now.shed = {{"web", 3, false}};
  auto ev = shoal::node::instance_events(before, now, "p1", 42);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == "host.shed");
  CHECK(ev[0].peer == "p1");
  CHECK(ev[0].service == "web");
  CHECK(ev[0].index == -1);
  CHECK(ev[0].reason.find("3 health-check failure(s)") != std::string::npos);
  CHECK(ev[0].reason.find("move to other peers") != std::string::npos);
  // Still shed (more failures counted): no new event; a second service by the host rule: one.
  before = now;
  now.shed = {{"db", 1, true}, {"web", 4, true}};
  ev = shoal::node::instance_events(before, now, "p1", 43);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].service == "db");
  CHECK(ev[0].reason.find("the host sheds") != std::string::npos);
  CHECK(shoal::node::instance_events(now, now, "p1", 44).empty());
  CHECK(shoal::node::instance_events(now, before, "p1", 45).empty());  // clearing says nothing
}
