#include "node/listeners.hpp"

#include <spdlog/spdlog.h>

namespace shoal::node {

std::string Listeners::open(boost::asio::io_context& io, const config::PeerConfig& cfg,
                            HttpHandler api, DnsServer::Key dns_key, DnsServer::Build dns_view) {
  try {
    api_ = std::make_unique<HttpServer>(io, cfg.api.listen.host, cfg.api.listen.port, api);
  } catch (const std::exception& e) {
    return std::string("api: ") + e.what();
  }
  try {  // the same API on a unix socket, where writes need no token (its mode decides)
    api_unix_ = std::make_unique<HttpServer>(io, UnixListen{cfg.api.socket, cfg.api.socket_group},
                                             std::move(api));
  } catch (const std::exception& e) {
    return std::string("api.socket: ") + e.what();
  }
  if (!cfg.dns.enabled) return "";
  const config::Address at = cfg.dns.listen.value_or(config::Address{"127.0.0.1", 7953});
  try {
    dns_ = std::make_unique<DnsServer>(io, at.host, at.port, std::move(dns_key),
                                       std::move(dns_view));
    spdlog::info("dns on {} (UDP and TCP), domain {}", at.to_string(), cfg.dns.domain);
  } catch (const std::exception& e) {
    if (cfg.dns.listen) return std::string("dns: ") + e.what();
    spdlog::warn("dns: {}; running without DNS (set dns.listen, or dns.enabled = false)",
                 e.what());
  }
  return "";
}

void Listeners::close() {
  if (api_) api_->close();
  if (api_unix_) api_unix_->close();
  if (dns_) dns_->close();
}

}  // namespace shoal::node
