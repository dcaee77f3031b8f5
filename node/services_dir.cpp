#include "node/services_dir.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "config/parse.hpp"

namespace shoal::node {

namespace fs = std::filesystem;

std::string content_hash(const std::string& text) {
  unsigned char out[8];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(text.data()),
                     text.size(), nullptr, 0);
  char hex[17];
  for (int i = 0; i < 8; ++i) std::snprintf(hex + 2 * i, 3, "%02x", out[i]);
  return hex;
}

bool safe_service_file_name(const std::string& name) {
  if (name.size() < 6 || name.size() > 128 || name[0] == '.') return false;
  if (name.substr(name.size() - 5) != ".toml") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.';
  });
}

std::string normalize_dir(const std::string& dir) {
  if (dir.empty()) return dir;
  std::string n = fs::path(dir).lexically_normal().string();
  while (n.size() > 1 && n.back() == '/') n.pop_back();
  return n;
}

namespace {

// Reads `path` whole; 0 or the errno of the failure.
int read_whole(const std::string& path, std::string& out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  out.clear();
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return e;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return 0;
}

// The `*.toml` regular files in `dir`, sorted; false (and `why`) when the listing failed.
bool list_toml(const std::string& dir, std::vector<std::string>& paths, std::string& why) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != ".toml") continue;
    std::error_code sec;
    if (!it->is_regular_file(sec)) continue;  // vanished or not a file: absent from this listing
    paths.push_back(it->path().string());
  }
  if (ec) {
    why = ec.message();
    return false;
  }
  std::sort(paths.begin(), paths.end());
  return true;
}

}  // namespace

ServicesDir::ServicesDir(std::string dir, std::string self)
    : dir_(normalize_dir(dir)), self_(std::move(self)) {}

void ServicesDir::read_one(const std::string& path, File& f) {
  std::string text;
  if (int e = read_whole(path, text); e != 0) {
    f.read_error = path + ": cannot read: " + std::strerror(e) +
                   (f.hash.empty() ? "" : " (the last good version stays)");
    return;
  }
  f.read_error.clear();
  const std::string h = content_hash(text);
  if (h == f.hash) return;
  f.hash = h;
  f.errors.clear();
  auto parsed = config::parse_service_file(text, path, max_replicas_);
  if (parsed.ok()) {
    f.good = std::move(*parsed.value);
    for (auto& s : f.good) {
      if (s.placement.home) s.home_peer = self_;
    }
  } else {
    for (const auto& d : parsed.errors) f.errors.push_back(d.to_string());
  }
}

bool ServicesDir::scan(bool timed) {
  const auto before = services();
  std::vector<std::string> paths;
  std::string why;
  if (!list_toml(dir_, paths, why)) {
    // No evidence of anything: every file keeps its last version.
    list_error_ = dir_ + ": cannot list services_dir: " + why +
                  " (nothing is published or erased until it lists again)";
    return false;
  }
  list_error_.clear();
  if (timed) ++good_listings_;
  for (auto it = files_.begin(); it != files_.end();) {
    if (std::binary_search(paths.begin(), paths.end(), it->first)) {
      it->second.absent = 0;
      ++it;
    } else if (timed && ++it->second.absent >= 2) {
      it = files_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& path : paths) {
    File& f = files_[path];
    read_one(path, f);
    // A new file that could not be read is reported but defines nothing yet.
  }
  return services() != before;
}

void ServicesDir::forget(const std::string& path) {
  auto it = files_.find(path);
  if (it == files_.end()) return;
  for (const auto& s : it->second.good) forgotten_.insert(s.name);
  files_.erase(it);
}

std::vector<config::ServiceSpec> ServicesDir::services() const {
  std::map<std::string, config::ServiceSpec> by_name;
  for (const auto& [path, f] : files_) {
    for (const auto& s : f.good) by_name.emplace(s.name, s);  // first file wins
  }
  std::vector<config::ServiceSpec> out;
  for (auto& [n, s] : by_name) out.push_back(s);
  return out;
}

std::vector<std::string> ServicesDir::errors() const {
  std::vector<std::string> out;
  std::map<std::string, std::string> owner;
  if (!list_error_.empty()) out.push_back(list_error_);
  for (const auto& [path, f] : files_) {
    if (!f.read_error.empty()) out.push_back(f.read_error);
    for (const auto& e : f.errors) out.push_back(e + " (the last good version stays)");
    for (const auto& s : f.good) {
      auto [it, fresh] = owner.emplace(s.name, path);
      if (!fresh) {
        out.push_back(path + ":0:0: service `" + s.name + "` is also defined in " + it->second +
                      " (that one is used)");
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string ServicesDir::file_of(const std::string& name) const {
  for (const auto& [path, f] : files_) {
    for (const auto& s : f.good) {
      if (s.name == name) return path;
    }
  }
  return "";
}

}  // namespace shoal::node
