#include "node/services_dir.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "config/parse.hpp"
#include "node/persist.hpp"

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

ServicesDir::ServicesDir(std::string dir, std::string self)
    : dir_(std::move(dir)), self_(std::move(self)) {}

bool ServicesDir::scan() {
  const auto before = services();
  std::map<std::string, File> next;
  std::error_code ec;
  std::vector<std::string> paths;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    if (e.path().extension() != ".toml") continue;
    if (!e.is_regular_file(ec)) continue;
    paths.push_back(e.path().string());
  }
  std::sort(paths.begin(), paths.end());
  for (const auto& path : paths) {
    auto text = read_file(path);
    if (!text) continue;  // vanished between listing and reading: next scan decides
    File f;
    if (auto it = files_.find(path); it != files_.end()) f = it->second;
    const std::string h = content_hash(*text);
    if (h != f.hash) {
      f.hash = h;
      f.errors.clear();
      auto parsed = config::parse_service_file(*text, path, max_replicas_);
      if (parsed.ok()) {
        f.good = std::move(*parsed.value);
        for (auto& s : f.good) {
          if (s.placement.home) s.home_peer = self_;
        }
      } else {
        for (const auto& d : parsed.errors) f.errors.push_back(d.to_string());
      }
    }
    next[path] = std::move(f);
  }
  files_ = std::move(next);
  return services() != before;
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
  for (const auto& [path, f] : files_) {
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
