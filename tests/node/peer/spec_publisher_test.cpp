// The publishing rules of node/peer/spec_publisher.hpp on a real store.
#include <catch2/catch.hpp>

#include "node/peer/spec_publisher.hpp"

using namespace shoal;
using node::LocalSpec;
using node::plan_publish;

namespace {

constexpr std::int64_t kT0 = 1'700'000'000'000'000;

gossip::Bytes bytes(const std::string& s) {
  const auto* b = reinterpret_cast<const std::byte*>(s.data());
  return gossip::Bytes(b, b + s.size());
}

const auto never_gone = [](const std::string&) { return false; };
const auto all_gone = [](const std::string&) { return true; };

}  // namespace

TEST_CASE("publish: new or changed local services are put, unchanged ones are not",
          "[node][publish]") {
  gossip::Store store("me", {});
  store.put(kT0, "spec/web", bytes("web-v1"));
  const std::map<std::string, std::string> published{{"web", "h1"}};
  auto same = plan_publish({{"web", "web-v1", "h1"}}, published, store, never_gone);
  CHECK(same.put.empty());
  CHECK(same.erase.empty());
  CHECK(same.rename.empty());

  auto changed = plan_publish({{"web", "web-v2", "h2"}, {"db", "db-v1", "d1"}}, published, store,
                              never_gone);
  REQUIRE(changed.put.size() == 2);
  CHECK(changed.put[0].name == "web");
  CHECK(changed.put[0].encoded == "web-v2");
  CHECK(changed.put[1].name == "db");
}

TEST_CASE("publish: a service published before but missing from the store is put again",
          "[node][publish]") {
  gossip::Store empty("me", {});
  auto plan = plan_publish({{"web", "web-v1", "h1"}}, {{"web", "h1"}}, empty, never_gone);
  REQUIRE(plan.put.size() == 1);
  CHECK(plan.put[0].name == "web");
}

TEST_CASE("publish: deleted cluster-wide and still what we published: rename, never re-put",
          "[node][publish]") {
  gossip::Store store("me", {});
  store.put(kT0, "spec/web", bytes("web-v1"));
  store.erase(kT0 + 1000, "spec/web");  // `shoal delete web` somewhere
  auto plan = plan_publish({{"web", "web-v1", "h1"}}, {{"web", "h1"}}, store, never_gone);
  CHECK(plan.put.empty());
  CHECK(plan.rename == std::vector<std::string>{"web"});
  // The file was edited since (another hash): a new edit wins over the delete.
  auto edited = plan_publish({{"web", "web-v2", "h2"}}, {{"web", "h1"}}, store, never_gone);
  CHECK(edited.rename.empty());
  REQUIRE(edited.put.size() == 1);
}

TEST_CASE("publish: a service that left the folder is erased only when gone", "[node][publish]") {
  gossip::Store store("me", {});
  store.put(kT0, "spec/web", bytes("web-v1"));
  const std::map<std::string, std::string> published{{"web", "h1"}};
  CHECK(plan_publish({}, published, store, never_gone).erase.empty());  // a failed listing
  CHECK(plan_publish({}, published, store, all_gone).erase == std::vector<std::string>{"web"});
  // Never erased while it is still listed, whatever gone() says.
  CHECK(plan_publish({{"web", "web-v1", "h1"}}, published, store, all_gone).erase.empty());
}
