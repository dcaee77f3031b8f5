// GET /v1/usage's decoded `usage/<peer>` values, kept between requests: a value is decoded
// again only when the store holds a new version of its key (each request still walks the
// usage/ keys, O(peers), but parses none that did not change). Pure; one per agent, on the io
// thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "gossip/bytes.hpp"
#include "gossip/version.hpp"
#include "node/peer/usage_summary.hpp"

namespace shoal::node {

class UsageCache {
 public:
  // The value of `key` at `version` decoded (nullptr: it does not decode); valid until the next
  // forget_unseen() or a get() of the same key at another version.
  const UsageSummary* get(const std::string& key, const gossip::Version& version,
                          const gossip::Bytes& value);
  // Drops the keys no get() asked for since the last call (gone from the store).
  void forget_unseen();
  std::uint64_t decodes() const { return decodes_; }
  std::size_t size() const { return slots_.size(); }

 private:
  struct Slot {
    gossip::Version version;
    std::optional<UsageSummary> value;
    bool seen = true;
  };
  std::map<std::string, Slot, std::less<>> slots_;
  std::uint64_t decodes_ = 0;
};

}  // namespace shoal::node
