#include "node/runtime/registry_auth.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include <nlohmann/json.hpp>

#include "node/peer/json_text.hpp"

namespace shoal::runtime {
namespace {

constexpr std::size_t kMaxFile = 1024 * 1024;
constexpr std::size_t kMaxEntries = 256;
constexpr std::size_t kMaxHost = 255;
constexpr std::size_t kMaxSecret = 4096;

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// "https://index.docker.io/v1/" -> "docker.io"; "http://host:5000/x" -> "host:5000".
std::string host_key(std::string key) {
  for (std::string_view scheme : {"https://", "http://"})
    if (key.rfind(scheme, 0) == 0) key.erase(0, scheme.size());
  key = key.substr(0, key.find('/'));
  if (key == "index.docker.io" || key == "registry-1.docker.io") key = "docker.io";
  return key;
}

// Printable and short, for a message naming an entry.
bool printable(const std::string& s) {
  if (s.size() > kMaxHost) return false;
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) return false;
  return true;
}

Result<RegistryCredential> credential_of(const nlohmann::json& e, const std::string& where) {
  RegistryCredential c;
  if (!e.is_object()) return Error{where + " must be an object"};
  if (auto a = e.find("auth"); a != e.end() && a->is_string() && !a->get<std::string>().empty()) {
    auto plain = base64_decode(a->get<std::string>());
    if (!plain) return Error{where + ".auth is not base64"};
    const std::size_t colon = plain->find(':');
    if (colon == std::string::npos) return Error{where + ".auth must encode USER:PASSWORD"};
    c.username = plain->substr(0, colon);
    c.password = plain->substr(colon + 1);
  } else {
    auto u = e.find("username"), p = e.find("password");
    if (u == e.end() || p == e.end() || !u->is_string() || !p->is_string())
      return Error{where + " needs `auth` (base64 of USER:PASSWORD) or `username` and "
                           "`password` (credential helpers are not run)"};
    c.username = u->get<std::string>();
    c.password = p->get<std::string>();
  }
  if (c.username.empty() || c.username.size() > kMaxSecret || c.password.size() > kMaxSecret)
    return Error{where + ": the user must be 1 to 4096 bytes, the password at most 4096"};
  return c;
}

}  // namespace

std::optional<std::string> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char ch : text) {
    const int v = b64_value(ch);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

std::string base64url_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const std::uint32_t n = (static_cast<unsigned char>(bytes[i]) << 16) |
                            (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                            static_cast<unsigned char>(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(n >> s) & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    std::uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

Result<RegistryAuths> parse_registry_auth(std::string_view text, const std::string& path) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error{path + ": not a JSON object"};
  auto auths = j.find("auths");
  if (auths == j.end() || !auths->is_object())
    return Error{path + ": needs an `auths` object ({\"auths\": {\"HOST\": {\"auth\": ...}}})"};
  if (auths->size() > kMaxEntries)
    return Error{path + ": more than " + std::to_string(kMaxEntries) + " registries"};
  RegistryAuths out;
  for (const auto& [key, entry] : auths->items()) {
    const std::string host = host_key(key);
    if (host.empty() || !printable(host))
      return Error{path + ": auths has a key that is not a registry host"};
    auto c = credential_of(entry, path + ": auths." + host);
    if (!c) return c.error();
    out[host] = std::move(c.value());
  }
  return out;
}

Result<RegistryAuths> load_registry_auth(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return Error{path + ": " + std::strerror(errno)};
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Error{path + ": " + std::strerror(errno)};
  if (!S_ISREG(st.st_mode)) return Error{path + ": not a regular file"};
  if (st.st_uid != ::geteuid() && st.st_uid != 0)
    return Error{path + ": owned by uid " + std::to_string(st.st_uid) +
                 ", not by this agent's user or root"};
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Error{path + ": mode " + mode +
                 " lets group or others at the credentials; run `chmod 600 " + path + "`"};
  }
  std::string text;
  char buf[16384];
  for (;;) {  // bounded by the bytes read, whatever the size says
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{path + ": " + std::strerror(errno)};
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > kMaxFile) return Error{path + ": larger than 1 MiB"};
  }
  return parse_registry_auth(text, path);
}

std::string registry_of(const std::string& image) {
  const std::size_t slash = image.find('/');
  if (slash == std::string::npos) return "docker.io";
  const std::string first = image.substr(0, slash);
  if (first.find_first_of(".:") != std::string::npos || first == "localhost") return first;
  return "docker.io";
}

std::string registry_auth_header(const RegistryAuths& auths, const std::string& image) {
  const std::string registry = registry_of(image);
  auto it = auths.find(registry);
  if (it == auths.end()) return {};
  const nlohmann::json j{{"username", it->second.username},
                         {"password", it->second.password},
                         {"serveraddress", registry}};
  return base64url_encode(node::json_text(j));
}

}  // namespace shoal::runtime
