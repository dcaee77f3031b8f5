#include "node/peer/held_queries.hpp"

#include <algorithm>

namespace shoal::node {

std::optional<std::uint64_t> HeldQueries::hold(const std::string& service, std::uint64_t index,
                                               std::int64_t deadline_ms) {
  if (held_.size() >= max_) return std::nullopt;
  const std::uint64_t id = next_id_++;
  held_.emplace(id, Held{service, index, deadline_ms});
  return id;
}

void HeldQueries::drop(std::uint64_t id) { held_.erase(id); }

std::set<std::string> HeldQueries::services() const {
  std::set<std::string> out;
  for (const auto& [id, h] : held_) out.insert(h.service);
  return out;
}

std::vector<std::uint64_t> HeldQueries::changed(const std::string& service,
                                                std::uint64_t current) {
  std::vector<std::uint64_t> out;
  for (auto it = held_.begin(); it != held_.end();) {
    if (it->second.service == service && it->second.index != current) {
      out.push_back(it->first);
      it = held_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::vector<std::uint64_t> HeldQueries::due(std::int64_t now_ms) {
  std::vector<std::uint64_t> out;
  for (auto it = held_.begin(); it != held_.end();) {
    if (it->second.deadline <= now_ms) {
      out.push_back(it->first);
      it = held_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::optional<std::int64_t> HeldQueries::next_deadline() const {
  std::optional<std::int64_t> out;
  for (const auto& [id, h] : held_) {
    if (!out || h.deadline < *out) out = h.deadline;
  }
  return out;
}

}  // namespace shoal::node
