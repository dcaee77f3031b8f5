#include "gossip/broadcasts.hpp"

#include <algorithm>

#include "gossip/wire.hpp"

namespace shoal::gossip {

void BroadcastQueue::push(const std::string& key, Bytes part) {
  std::erase_if(items_, [&](const Item& i) { return i.key == key; });
  items_.push_back(Item{key, std::move(part), 0, next_id_++});
}

std::vector<Bytes> BroadcastQueue::take(std::size_t budget, int limit, std::size_t max_parts) {
  std::vector<Bytes> out;
  if (items_.empty() || max_parts == 0) return out;
  std::vector<std::size_t> order(items_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (items_[a].transmits != items_[b].transmits)
      return items_[a].transmits < items_[b].transmits;
    return items_[a].id > items_[b].id;
  });
  std::size_t left = budget;
  bool any_dropped = false;
  for (std::size_t idx : order) {
    Item& it = items_[idx];
    std::size_t cost = wire::compound_overhead(it.part.size());
    if (cost > left) continue;
    left -= cost;
    out.push_back(it.part);
    if (++it.transmits >= limit) any_dropped = true;
    if (out.size() >= max_parts) break;
  }
  if (any_dropped)
    std::erase_if(items_, [&](const Item& i) { return i.transmits >= limit; });
  return out;
}

}  // namespace shoal::gossip
