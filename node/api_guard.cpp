#include "node/api_guard.hpp"

#include <arpa/inet.h>
#include <sodium.h>

#include <algorithm>
#include <cctype>

#include "node/persist.hpp"

namespace shoal::node {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() <= 5 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// The media type of a Content-Type value, lower case, parameters and blanks removed.
std::string media_type(const std::string& v) {
  std::string t = lower(v.substr(0, v.find(';')));
  t.erase(std::remove_if(t.begin(), t.end(), [](unsigned char c) { return std::isspace(c); }),
          t.end());
  return t;
}

}  // namespace

bool host_allowed(const std::string& host_header, const std::vector<std::string>& allowed) {
  std::string h = host_header;
  unsigned char buf[16];
  if (!h.empty() && h[0] == '[') {  // [v6] or [v6]:port
    const auto close = h.find(']');
    if (close == std::string::npos) return false;
    const std::string rest = h.substr(close + 1);
    if (!rest.empty() && (rest[0] != ':' || !all_digits(rest.substr(1)))) return false;
    return inet_pton(AF_INET6, h.substr(1, close - 1).c_str(), buf) == 1;
  }
  const auto colon = h.rfind(':');
  if (colon != std::string::npos) {
    if (h.find(':') != colon || !all_digits(h.substr(colon + 1))) return false;
    h = h.substr(0, colon);
  }
  if (h.empty()) return false;
  if (inet_pton(AF_INET, h.c_str(), buf) == 1) return true;
  const std::string name = lower(h);
  if (name == "localhost") return true;
  return std::any_of(allowed.begin(), allowed.end(),
                     [&](const std::string& a) { return !a.empty() && lower(a) == name; });
}

bool bearer_matches(const std::string& authorization, const std::string& token) {
  static const std::string kPrefix = "Bearer ";
  if (token.empty() || authorization.size() <= kPrefix.size() ||
      authorization.compare(0, kPrefix.size(), kPrefix) != 0) {
    return false;
  }
  // Hash both to equal lengths, then compare in constant time: neither where they differ nor
  // the presented length shows in the time taken.
  unsigned char a[crypto_generichash_BYTES], b[crypto_generichash_BYTES];
  const auto* presented = reinterpret_cast<const unsigned char*>(authorization.data()) +
                          kPrefix.size();
  crypto_generichash(a, sizeof a, presented, authorization.size() - kPrefix.size(), nullptr, 0);
  crypto_generichash(b, sizeof b, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  return sodium_memcmp(a, b, sizeof a) == 0;
}

std::optional<ApiRefusal> check_api_request(const HttpRequest& r, const ApiGuard& g) {
  if (!r.via_unix && (!r.has_host || !host_allowed(r.host, g.allowed_hosts))) {
    return ApiRefusal{421, "Host `" + r.host + "` is not this peer: use an IP address, "
                           "localhost or the peer's name (this refuses DNS rebinding)"};
  }
  if (r.method == "GET" || r.method == "HEAD") return std::nullopt;
  if (r.has_origin) {
    return ApiRefusal{403, "a request with an Origin header (from a web page, `" + r.origin +
                               "`) may not change anything; use the shoal CLI"};
  }
  if (media_type(r.content_type) != "application/json") {
    return ApiRefusal{415, "mutating calls need Content-Type: application/json (got `" +
                               r.content_type + "`)"};
  }
  if (r.via_unix) return std::nullopt;
  if (g.token.empty()) {
    return ApiRefusal{403, "mutating calls over TCP need a token, and this peer has none: use "
                           "the unix socket " + g.socket_path +
                           " (the shoal CLI finds it: --api unix:PATH), or set api.token_file "
                           "and present it (--token-file or SHOAL_TOKEN)"};
  }
  if (!bearer_matches(r.authorization, g.token)) {
    return ApiRefusal{403, "missing or wrong bearer token"};
  }
  return std::nullopt;
}

std::optional<std::string> read_token_file(const std::string& path) {
  auto t = read_file(path);
  if (!t) return std::nullopt;
  std::string s = *t;
  const auto blank = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!s.empty() && blank(s.back())) s.pop_back();
  s.erase(s.begin(), std::find_if_not(s.begin(), s.end(), blank));
  if (s.empty()) return std::nullopt;
  return s;
}

}  // namespace shoal::node
