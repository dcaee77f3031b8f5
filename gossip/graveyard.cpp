#include "gossip/graveyard.hpp"

namespace shoal::gossip {

void Graveyard::bury(std::string_view key, const Version& version) {
  auto it = by_key_.find(key);
  if (it != by_key_.end()) {
    if (!(it->second < version)) return;
    erase(it);
  }
  it = by_key_.emplace(std::string(key), version).first;
  by_age_.emplace(version.hlc, std::string_view(it->first));
  bytes_ += cost(it->first, it->second);
  while (bytes_ > max_bytes_ && !by_age_.empty()) {
    erase(by_key_.find(by_age_.begin()->second));
    ++dropped_;
  }
}

const Version* Graveyard::find(std::string_view key) const {
  if (by_key_.empty()) return nullptr;  // the common case: nothing buried
  const auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : &it->second;
}

void Graveyard::forget(std::string_view key) {
  if (const auto it = by_key_.find(key); it != by_key_.end()) erase(it);
}

std::size_t Graveyard::forget_below(std::uint64_t hlc) {
  std::size_t n = 0;
  while (!by_age_.empty() && by_age_.begin()->first < hlc) {
    erase(by_key_.find(by_age_.begin()->second));
    ++n;
  }
  return n;
}

std::uint64_t Graveyard::oldest_hlc() const {
  return by_age_.empty() ? UINT64_MAX : by_age_.begin()->first;
}

void Graveyard::erase(std::map<std::string, Version, std::less<>>::iterator it) {
  bytes_ -= cost(it->first, it->second);
  by_age_.erase({it->second.hlc, std::string_view(it->first)});
  by_key_.erase(it);
}

}  // namespace shoal::gossip
