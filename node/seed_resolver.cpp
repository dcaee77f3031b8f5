#include "node/seed_resolver.hpp"

namespace shoal::node {

namespace asio = boost::asio;

void SeedResolver::set_names(std::set<std::string> names) {
  names_.clear();
  for (auto& n : names) {
    boost::system::error_code ec;
    (void)asio::ip::make_address(n, ec);
    if (ec) names_.insert(std::move(n));
  }
  for (const auto& n : names_) start(n);
}

std::optional<asio::ip::address> SeedResolver::lookup(const std::string& host) {
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(host, ec);
  if (!ec) return ip;
  if (!names_.count(host)) {
    ++refused_;
    return std::nullopt;
  }
  Entry& e = cache_[host];
  const auto age = std::chrono::steady_clock::now() - e.at;
  if (!e.in_flight && (!e.answered || age >= (e.addr ? kRefreshAfter : kRetryAfter))) start(host);
  return e.addr;
}

void SeedResolver::start(const std::string& host) {
  Entry& e = cache_[host];
  if (e.in_flight) return;
  e.in_flight = true;
  resolver_.async_resolve(
      asio::ip::udp::v4(), host, "0",
      [this, host](const boost::system::error_code& ec, asio::ip::udp::resolver::results_type r) {
        Entry& e = cache_[host];
        e.in_flight = false;
        e.answered = true;
        e.at = std::chrono::steady_clock::now();
        if (ec || r.empty()) {
          // The last good address (if any) stays in use until a lookup succeeds again.
          log_("cannot resolve join seed " + host + ": " + (ec ? ec.message() : "no address") +
               " (retried in 30 s)");
          return;
        }
        e.addr = r.begin()->endpoint().address();
      });
}

std::string resolve_advertise(std::string& host) {
  boost::system::error_code ec;
  (void)asio::ip::make_address(host, ec);
  if (!ec) return {};
  asio::io_context io;
  asio::ip::udp::resolver r(io);
  auto res = r.resolve(asio::ip::udp::v4(), host, "0", ec);
  if (ec || res.empty())
    return "advertise: cannot resolve " + host + ": " + (ec ? ec.message() : "no address") +
           " (peers announce IP addresses only: give an IP or a resolvable name)";
  host = res.begin()->endpoint().address().to_string();
  return {};
}

}  // namespace shoal::node
