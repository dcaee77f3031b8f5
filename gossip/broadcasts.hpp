// The retransmit queue for piggybacked updates (memberlist's TransmitLimitedQueue): each update
// is keyed by the member it is about, a newer one replaces an older one with the same key, and
// each is handed out `limit` times, fewest-sent and newest first. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gossip/types.hpp"

namespace shoal::gossip {

class BroadcastQueue {
 public:
  // Queues an encoded message part (wire::encode_part) about `key`.
  void push(const std::string& key, Bytes part);
  // Parts whose compound framing fits in `budget` bytes; each taken part counts a transmit and
  // leaves the queue after `limit` transmits.
  std::vector<Bytes> take(std::size_t budget, int limit, std::size_t max_parts);
  std::size_t size() const { return items_.size(); }
  void clear() { items_.clear(); }

 private:
  struct Item {
    std::string key;
    Bytes part;
    int transmits = 0;
    std::uint64_t id = 0;
  };
  std::vector<Item> items_;
  std::uint64_t next_id_ = 0;
};

}  // namespace shoal::gossip
