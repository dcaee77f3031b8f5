// GET /v1/events as server-sent events: the frames, the replay bound, the Accept test, where
// a stream starts, and the frames for several streams at once (each event formatted once).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "node/peer/event_stream_text.hpp"

using namespace shoal::node;

namespace {

PeerEvent ev(const std::string& kind, const std::string& peer, const std::string& reason = "") {
  return PeerEvent{0, 1'700'000'000'000, kind, peer, "", -1, reason};
}


EventLog log_of(int n) {
  EventLog log;
  for (int i = 0; i < n; ++i)
    log.record(PeerEvent{0, 1'700'000'000'000 + i, "member.alive", "p" + std::to_string(i), "", -1, ""});
  return log;
}

}  // namespace

TEST_CASE("sse: one frame per event, id = seq, data one line of JSON even with newlines",
          "[node][events][sse]") {
  EventLog log;
  log.record(ev("member.dead", "p2", "line one\nid: 99\ndata: forged\r\n\r\n"));
  const auto e = log.after(0).at(0);
  const std::string f = sse_frame(e, "p0");
  CHECK(f.rfind("id: 1\ndata: {", 0) == 0);
  CHECK(f.size() >= 2);
  CHECK(f.substr(f.size() - 2) == "\n\n");
  // Exactly two line breaks before the blank line: the reason's CR/LF are JSON escapes.
  CHECK(std::count(f.begin(), f.end(), '\n') == 3);
  CHECK(f.find('\r') == std::string::npos);
  auto j = nlohmann::json::parse(f.substr(f.find("data: ") + 6));
  CHECK(j["kind"] == "member.dead");
  CHECK(j["seen_by"] == "p0");
  CHECK(j["seq"] == 1);
  CHECK(j["reason"] == "line one\nid: 99\ndata: forged\r\n\r\n");
}

TEST_CASE("sse: frames after a seq, the newest that fit the budget, in order",
          "[node][events][sse]") {
  EventLog log;
  for (int i = 0; i < 10; ++i) log.record(ev("member.alive", "p" + std::to_string(i)));
  auto all = sse_frames(log, 0, "p0", 1u << 20);
  CHECK(all.last == 10);
  CHECK(all.skipped == 0);
  CHECK(all.text.rfind("id: 1\n", 0) == 0);
  CHECK(all.text.find("id: 10\n") != std::string::npos);
  auto after7 = sse_frames(log, 7, "p0", 1u << 20);
  CHECK(after7.text.rfind("id: 8\n", 0) == 0);
  CHECK(after7.skipped == 0);
  // A budget for about three frames: the newest three, oldest first, the rest counted.
  const std::size_t one = sse_frame(log.after(9).at(0), "p0").size();
  auto small = sse_frames(log, 0, "p0", 3 * one + 2);
  CHECK(small.skipped == 7);
  CHECK(small.last == 10);
  CHECK(small.text.rfind("id: 8\n", 0) == 0);
  CHECK(small.text.size() <= 3 * one + 2);
  CHECK(sse_frames(log, 10, "p0", 1u << 20).text.empty());
  CHECK(sse_frames(log, 0, "p0", 0).text.empty());
}

TEST_CASE("sse: only an Accept naming text/event-stream asks for a stream", "[node][events][sse]") {
  CHECK(wants_event_stream("text/event-stream"));
  CHECK(wants_event_stream("Text/Event-Stream; q=1"));
  CHECK(wants_event_stream("application/json, text/event-stream"));
  CHECK_FALSE(wants_event_stream(""));
  CHECK_FALSE(wants_event_stream("*/*"));
  CHECK_FALSE(wants_event_stream("application/json"));
  CHECK_FALSE(wants_event_stream("text/event-streams"));
  CHECK_FALSE(wants_event_stream("text/*"));
}

TEST_CASE("sse: a stream starts at ?index, else a decimal Last-Event-ID, else the ring",
          "[node][events][sse]") {
  CHECK(stream_start(5, "9") == 5);
  CHECK(stream_start(std::nullopt, "9") == 9);
  CHECK(stream_start(std::nullopt, "") == 0);
  CHECK(stream_start(std::nullopt, "12abc") == 0);
  CHECK(stream_start(std::nullopt, "-1") == 0);
  CHECK(stream_start(std::nullopt, "99999999999999999999999") == 0);  // too long: not a seq
}

TEST_CASE("sse fanout: 16 streams, each new event formatted once, one shared text",
          "[node][events][sse]") {
  EventLog log = log_of(5);
  const std::vector<std::uint64_t> seen(16, 2);  // every stream has seen 1..2
  auto out = sse_fanout(log, seen, "p0", 1u << 20);
  CHECK(out.formatted == 3);
  CHECK(out.last == 5);
  REQUIRE(out.text.size() == 1);
  CHECK(*out.text.at(2) == sse_frames(log, 2, "p0", 1u << 20).text);
}

TEST_CASE("sse fanout: streams at different points share the formatting, texts as alone",
          "[node][events][sse]") {
  EventLog log = log_of(10);
  const std::vector<std::uint64_t> seen{3, 7, 3, 9, 7};
  auto out = sse_fanout(log, seen, "p0", 1u << 20);
  CHECK(out.formatted == 7);  // events 4..10, once each
  REQUIRE(out.text.size() == 3);
  for (std::uint64_t after : {3, 7, 9}) CHECK(*out.text.at(after) == sse_frames(log, after, "p0", 1u << 20).text);
  // Within a budget: the newest that fit, as sse_frames gives them; older ones not formatted.
  const std::size_t one = sse_frame(log.after(9).at(0), "p0").size();
  auto small = sse_fanout(log, {0, 8}, "p0", 3 * one + 2);
  CHECK(small.formatted <= 4);
  CHECK(*small.text.at(0) == sse_frames(log, 0, "p0", 3 * one + 2).text);
  CHECK(*small.text.at(8) == sse_frames(log, 8, "p0", 3 * one + 2).text);
  CHECK(sse_fanout(log, {}, "p0", 1u << 20).text.empty());
}
