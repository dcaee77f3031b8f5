// `shoal apply --wait` decides from a service's history whether the file's version is healthy
// (exit 0), failed or reverted (exit 1), or still on its way; `shoal history` prints a table.
#include <catch2/catch.hpp>

#include "node/cli_deploy.hpp"

using shoal::node::judge_wait;
using shoal::node::WaitVerdict;
using J = nlohmann::json;

namespace {

J entry(int v, const std::string& hash, const std::string& outcome) {
  return J{{"version", v}, {"spec_hash", hash}, {"time", "2026-12-07T08:00:00.000Z"},
           {"origin", "p0"}, {"outcome", outcome}};
}

}  // namespace

TEST_CASE("apply --wait: the verdict on the file's version", "[node][cli][deploy]") {
  const J before = J::array({entry(1, "aaaa", "rolling")});
  CHECK(judge_wait(before, "bbbb") == WaitVerdict::waiting);  // not published yet
  CHECK(judge_wait(J::array({entry(1, "aaaa", "healthy"), entry(2, "bbbb", "rolling")}), "bbbb") ==
        WaitVerdict::waiting);
  CHECK(judge_wait(J::array({entry(1, "aaaa", "healthy"), entry(2, "bbbb", "healthy")}), "bbbb") ==
        WaitVerdict::healthy);
  CHECK(judge_wait(J::array({entry(2, "bbbb", "failed")}), "bbbb") == WaitVerdict::failed);
  CHECK(judge_wait(J::array({entry(2, "bbbb", "reverted")}), "bbbb") == WaitVerdict::failed);
  // Canaries done, waiting for `shoal promote`: --wait is done with it (exit 0).
  CHECK(judge_wait(J::array({entry(2, "bbbb", "awaiting_promotion")}), "bbbb") == WaitVerdict::canary);
  CHECK(judge_wait(J::array({entry(2, "bbbb", "awaiting_promotion")}), "cccc") == WaitVerdict::waiting);
  // Whatever a peer answers, nothing throws.
  CHECK(judge_wait(J(), "bbbb") == WaitVerdict::waiting);
  CHECK(judge_wait(J::array({5}), "bbbb") == WaitVerdict::waiting);
  CHECK(judge_wait(J::array({J{{"spec_hash", "bbbb"}}}), "bbbb") == WaitVerdict::waiting);
}

TEST_CASE("history: a table oldest first", "[node][cli][deploy]") {
  const std::string t =
      shoal::node::history_table(J::array({entry(1, "aaaa", "healthy"), entry(2, "bbbb", "reverted")}));
  CHECK(t.find("VERSION  SPEC_HASH  TIME") == 0);
  CHECK(t.find("1        aaaa") < t.find("2        bbbb"));
  CHECK(t.find("reverted") != std::string::npos);
}
