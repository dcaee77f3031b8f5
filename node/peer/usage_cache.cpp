#include "node/peer/usage_cache.hpp"

#include <string_view>

namespace shoal::node {

const UsageSummary* UsageCache::get(const std::string& key, const gossip::Version& version,
                                    const gossip::Bytes& value) {
  auto it = slots_.find(key);
  if (it == slots_.end() || it->second.version != version) {
    Slot s{version, decode_usage(std::string_view(reinterpret_cast<const char*>(value.data()),
                                                  value.size()))};
    ++decodes_;
    if (it == slots_.end()) it = slots_.emplace(key, std::move(s)).first;
    else it->second = std::move(s);
  }
  it->second.seen = true;
  return it->second.value ? &*it->second.value : nullptr;
}

void UsageCache::forget_unseen() {
  for (auto it = slots_.begin(); it != slots_.end();) {
    if (!it->second.seen) {
      it = slots_.erase(it);
    } else {
      it->second.seen = false;
      ++it;
    }
  }
}

}  // namespace shoal::node
