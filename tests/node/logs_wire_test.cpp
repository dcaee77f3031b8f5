// `shoal logs` between peers (node/logs_wire.hpp) and the API's query (node/logs_query.hpp):
// hostile frames and queries first - refused with a reason, never a crash.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>
#include <string>

#include "node/logs_query.hpp"
#include "node/logs_wire.hpp"

using namespace shoal::node;
using shoal::gossip::Bytes;

namespace {

Bytes raw(const std::string& head, const std::string& body) {
  Bytes b;
  for (char c : head + body) b.push_back(static_cast<std::byte>(c));
  return b;
}
const std::string kReqHead("\xF1\x01\x01\x00\x00\x00\x07", 7);
const std::string kRespHead("\xF1\x01\x02\x00\x00\x00\x07", 7);

}  // namespace

TEST_CASE("logs wire: hostile frames are refused with a reason", "[node][logs]") {
  CHECK_FALSE(decode_logs_frame(raw("", "")).error.empty());
  CHECK_FALSE(decode_logs_frame(raw(std::string("\xF1\x01", 2), "")).error.empty());
  CHECK_FALSE(decode_logs_frame(raw(std::string("\xF1\x02\x01\x00\x00\x00\x01", 7), "{}")).error.empty());
  CHECK_FALSE(decode_logs_frame(raw(std::string("\xF1\x01\x09\x00\x00\x00\x01", 7), "{}")).error.empty());
  CHECK_FALSE(decode_logs_frame(raw(kReqHead, "not json")).error.empty());
  CHECK_FALSE(decode_logs_frame(raw(kReqHead, "{}")).error.empty());
  CHECK_FALSE(decode_logs_frame(raw(kReqHead, std::string(100000, '['))).error.empty());
  CHECK_FALSE(decode_logs_frame(raw(kReqHead, "{\"service\":\"" + std::string(20000, 'a') + "\"}"))
                  .error.empty());
  // Fields of the wrong type or out of bounds.
  CHECK_FALSE(decode_logs_frame(raw(kReqHead, R"({"service":"web","index":-2,"tail":10,"since_ms":0})")).error.empty());
  CHECK_FALSE(decode_logs_frame(raw(kReqHead, R"({"service":"web","index":0,"tail":0,"since_ms":0})")).error.empty());
  CHECK_FALSE(decode_logs_frame(raw(kReqHead, R"({"service":"web","index":0,"tail":10,"since_ms":"x"})")).error.empty());
  CHECK_FALSE(decode_logs_frame(raw(kReqHead, R"({"service":"web","index":0,"tail":10,"since_ms":0,"cursor":{"a":7}})")).error.empty());
  CHECK_FALSE(decode_logs_frame(raw(kRespHead, R"({"lines":[{"t":1,"i":0,"s":"stdin","l":"x"}]})")).error.empty());
  CHECK_FALSE(decode_logs_frame(raw(kRespHead, R"({"lines":[{"t":-1,"i":0,"s":"stdout","l":"x"}]})")).error.empty());
  CHECK_FALSE(decode_logs_frame(raw(kRespHead, "{\"lines\":[{\"t\":1,\"i\":0,\"s\":\"stdout\",\"l\":\"\xff\"}]}")).error.empty());
  // A service that would name a file elsewhere.
  CHECK_FALSE(decode_logs_frame(raw(kReqHead, R"({"service":"../../etc/x","index":0,"tail":10,"since_ms":0})")).error.empty());
  CHECK_FALSE(decode_logs_frame(raw(kReqHead, R"({"service":"","index":0,"tail":10,"since_ms":0})")).error.empty());
  CHECK(decode_logs_frame(raw(kReqHead, R"({"service":"web","index":0,"tail":10,"since_ms":0})")).request);
}

TEST_CASE("logs wire: random bytes after a valid header never crash", "[node][logs]") {
  std::mt19937 rng(42);
  for (int round = 0; round < 2000; ++round) {
    std::string body(rng() % 200, '\0');
    for (auto& c : body) c = static_cast<char>("{}[]\":,0123 abcl\\\xff"[rng() % 19]);
    auto f = decode_logs_frame(raw(round % 2 ? kReqHead : kRespHead, body));
    CHECK((f.request || f.response || !f.error.empty()));
  }
}

TEST_CASE("logs wire: request and response round-trip, the answer within its bound",
          "[node][logs]") {
  LogsRequest req{77, "web", 2, 50, 600000, {{"web/2/stdout", "12.34"}}};
  Bytes b = encode_logs_request(req);
  CHECK(is_logs_frame(b));
  auto f = decode_logs_frame(b);
  REQUIRE(f.request);
  CHECK(f.request->id == 77);
  CHECK(f.request->service == "web");
  CHECK(f.request->index == 2);
  CHECK(f.request->tail == 50);
  CHECK(f.request->since_ms == 600000);
  CHECK(f.request->cursor.at("web/2/stdout") == "12.34");

  LogsResponse resp;
  resp.id = 77;
  resp.error = "bad \xff engine";
  for (int i = 0; i < 1000; ++i)
    resp.lines.push_back(LogLine{1000 + i, "", 2, "", i % 2 ? "stderr" : "stdout",
                                 std::to_string(i) + std::string(8000, 'y') + "\xc3"});
  b = encode_logs_response(resp);
  CHECK(b.size() <= kLogsHeaderBytes + kMaxLogsResponseBytes);
  f = decode_logs_frame(b);
  REQUIRE(f.response);
  CHECK(f.response->id == 77);
  CHECK(f.response->dropped > 0);
  CHECK(f.response->dropped + f.response->lines.size() == 1000);
  CHECK(f.response->lines.back().line.rfind("999", 0) == 0);  // the newest kept
  CHECK(f.response->lines.back().stream == "stderr");
  CHECK(f.response->error == "bad \xEF\xBF\xBD engine");
}

TEST_CASE("logs query: strict parameters, each refusal names what was wrong", "[node][logs]") {
  auto ok = parse_logs_query("/v1/logs?service=web&index=2&tail=5&since=10m&peer=p2");
  REQUIRE(ok.query);
  CHECK(ok.query->service == "web");
  CHECK(ok.query->index == 2);
  CHECK(ok.query->tail == 5);
  CHECK(ok.query->since_ms == 600000);
  CHECK(ok.query->peer == "p2");
  auto d = parse_logs_query("/v1/logs?service=web");
  REQUIRE(d.query);
  CHECK(d.query->tail == kDefaultLogTail);
  CHECK_FALSE(d.query->index);

  auto refused = [](const char* t, const char* says) {
    auto r = parse_logs_query(t);
    CHECK_FALSE(r.query);
    CHECK_THAT(r.error, Catch::Contains(says));
  };
  refused("/v1/logs", "service: required");
  refused("/v1/logs?service=web&follow=1", "unknown parameter `follow`");
  refused("/v1/logs?service=web&service=db", "given twice");
  refused("/v1/logs?service=we%2Fb", "service");
  refused("/v1/logs?service=web&tail=0", "tail");
  refused("/v1/logs?service=web&tail=10001", "tail");
  refused("/v1/logs?service=web&tail=1e3", "tail");
  refused("/v1/logs?service=web&index=-1", "index");
  refused("/v1/logs?service=web&since=10", "since");
  refused("/v1/logs?service=web&since=1000h", "since");
  refused("/v1/logs?service=web&since=10x", "since");
  refused("/v1/logs?service=web&cursor=%7B%22p1%22%3A1%7D", "cursor");
  refused("/v1/logs?service=web&cursor=%5B%5B%5B%5B", "cursor");
  refused("/v1/logs?service=web%zz", "percent");
  auto c = parse_logs_query("/v1/logs?service=web&cursor=%7B%22p1%22%3A%7B%22web%2F0%2Fstdout%22%3A%221.2%22%7D%7D");
  REQUIRE(c.query);
  CHECK(c.query->cursor.at("p1").at("web/0/stdout") == "1.2");
}
