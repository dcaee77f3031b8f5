// Who may call the peer's HTTP API, decided per request before any endpoint runs (issue 13):
// - every TCP request: `Host` must be an IP literal, `localhost`, the api.listen host or the
//   peer's name (a DNS-rebinding page carries its own domain name there): else 421;
// - every mutating request (not GET/HEAD): no `Origin` header (browsers send one, the CLI does
//   not): else 403; `Content-Type: application/json` (a page's form or text/plain POST is not):
//   else 415;
// - mutations over the unix socket are authorized (its file mode is the authority); over TCP
//   they need the bearer token (compared in constant time), and with no api.token_file they
//   are refused, whatever the source address: loopback is no authority (any local user, any
//   workload and any web page reach it).
// Pure apart from libsodium; the agent holds one ApiGuard and swaps its token on SIGHUP.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "node/http.hpp"

namespace shoal::node {

struct ApiGuard {
  std::string token;                       // "" = no api.token_file
  std::vector<std::string> allowed_hosts;  // names besides IP literals and localhost
  std::string socket_path;                 // named in the refusal of a tokenless TCP mutation
};

struct ApiRefusal {
  int status;
  std::string message;
};

// nullopt when the request may go on to its endpoint.
std::optional<ApiRefusal> check_api_request(const HttpRequest& r, const ApiGuard& g);

// Whether an `Authorization` header value presents `token` as a bearer token, in time
// independent of where the two differ (and of the presented length).
bool bearer_matches(const std::string& authorization, const std::string& token);

// Whether a Host header names an allowed host (IPv4/IPv6 literal, localhost, or one of
// `allowed`), with an optional :port.
bool host_allowed(const std::string& host_header, const std::vector<std::string>& allowed);

// The token of api.token_file (surrounding blanks trimmed); nullopt when unreadable or empty.
std::optional<std::string> read_token_file(const std::string& path);

}  // namespace shoal::node
