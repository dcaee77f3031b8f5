// Names of `join` seeds, resolved without blocking the io thread. Gossip addresses on the wire
// are IP literals (gossip/member_check.hpp); only the seeds of the peer file (and of
// data_dir/peers) may be host names. lookup() never blocks: it answers from the cache, or
// starts an async_resolve and answers nothing (the engine retries its joins). A failure is
// cached for kRetryAfter (logged once per failure), a success refreshed after kRefreshAfter
// (the old address is used meanwhile). Hosts that are not seeds are never resolved.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "node/asio.hpp"

namespace shoal::node {

class SeedResolver {
 public:
  static constexpr auto kRetryAfter = std::chrono::seconds(30);
  static constexpr auto kRefreshAfter = std::chrono::minutes(5);
  using Log = std::function<void(const std::string&)>;

  SeedResolver(boost::asio::io_context& io, Log log) : resolver_(io), log_(std::move(log)) {}

  // Host names (not IP literals) that may be resolved; starts resolving them.
  void set_names(std::set<std::string> names);
  // The address of `host`: an IP literal parsed, a seed name from the cache, else nullopt.
  std::optional<boost::asio::ip::address> lookup(const std::string& host);
  std::size_t refused() const { return refused_; }  // lookups of names that are not seeds

 private:
  struct Entry {
    std::optional<boost::asio::ip::address> addr;
    std::chrono::steady_clock::time_point at{};  // of the last answer (success or failure)
    bool in_flight = false;
    bool answered = false;
  };
  void start(const std::string& host);

  boost::asio::ip::udp::resolver resolver_;
  Log log_;
  std::set<std::string> names_;
  std::map<std::string, Entry> cache_;
  std::size_t refused_ = 0;
};

// At start, before the io loop: an advertise address given as a host name becomes its IP (the
// wire carries IP literals only). Blocking, once. Empty on success, else the error.
std::string resolve_advertise(std::string& host);

}  // namespace shoal::node
