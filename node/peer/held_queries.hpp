// The catalog's held blocking queries, by id: which service each waits on, the index it saw and
// when its wait ends. Pure (time comes in as milliseconds); the HTTP side (node/catalog_api)
// keeps the sessions by id and answers those this hands back. Bounded: past `max` held, a new
// query is not held (answered at once with the current index, never refused).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace shoal::node {

inline constexpr std::size_t kMaxHeldQueries = 32;

class HeldQueries {
 public:
  explicit HeldQueries(std::size_t max = kMaxHeldQueries) : max_(max) {}

  // Holds a query on `service` that saw `index`, until `deadline_ms`; its id, or nullopt when
  // `max` are held already.
  std::optional<std::uint64_t> hold(const std::string& service, std::uint64_t index,
                                    std::int64_t deadline_ms);
  // Forgets a query (its client went away, or it was answered). Unknown ids are ignored.
  void drop(std::uint64_t id);

  // The services some query waits on.
  std::set<std::string> services() const;
  // Releases (forgets and returns) the queries on `service` whose index is not `current`.
  std::vector<std::uint64_t> changed(const std::string& service, std::uint64_t current);
  // Releases the queries whose deadline is at or before `now_ms`.
  std::vector<std::uint64_t> due(std::int64_t now_ms);
  // The earliest deadline held, if any.
  std::optional<std::int64_t> next_deadline() const;

  std::size_t size() const { return held_.size(); }
  bool empty() const { return held_.empty(); }

 private:
  struct Held {
    std::string service;
    std::uint64_t index;
    std::int64_t deadline;
  };
  std::size_t max_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, Held> held_;
};

}  // namespace shoal::node
