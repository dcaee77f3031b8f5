// The peer's client-facing listeners: the HTTP API on api.listen (TCP: reads open, writes with
// the token) and on api.socket (unix: its file mode authorises writes), and DNS on dns.listen
// (node/dns_server.hpp). A DNS address left at its default only warns when taken; one the peer
// file names is an error. On the io thread.
#pragma once

#include "node/asio.hpp"

#include <memory>
#include <string>

#include "config/spec.hpp"
#include "node/dns_server.hpp"
#include "node/http.hpp"

namespace shoal::node {

class Listeners {
 public:
  // Binds all of them; empty on success, else the error.
  std::string open(boost::asio::io_context& io, const config::PeerConfig& cfg, HttpHandler api,
                   DnsServer::Key dns_key, DnsServer::Build dns_view);
  void close();
  const DnsServer* dns() const { return dns_.get(); }

 private:
  std::unique_ptr<HttpServer> api_;
  std::unique_ptr<HttpServer> api_unix_;
  std::unique_ptr<DnsServer> dns_;
};

}  // namespace shoal::node
