// The peer's services folder (services_dir): every `*.toml` in it, parsed when its content
// changes (BLAKE2b content hash), the last good version kept when a new one fails to parse.
// What it finds is this peer's local desired state; the agent publishes it into replicated
// state as `spec/<name>` (and erases it when it leaves the folder).
// Does file I/O; no Asio; not thread-safe (the agent's io thread owns it).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/spec.hpp"

namespace shoal::node {

class ServicesDir {
 public:
  // `self` is this peer's name: services with placement.home = true get home_peer = self.
  ServicesDir(std::string dir, std::string self);

  // Re-reads the folder. True when the set of good services changed.
  bool scan();

  // Every service of every file's last good version, sorted by name (a name defined in two
  // files: the file that sorts first wins, the other is reported in errors()).
  std::vector<config::ServiceSpec> services() const;
  // Current problems, `path:line:col: message`, sorted.
  std::vector<std::string> errors() const;
  // The file defining `name`, or "".
  std::string file_of(const std::string& name) const;
  const std::string& dir() const { return dir_; }
  // The peer's limits.max_replicas for the files it reads (default 10,000).
  void set_max_replicas(int n) { max_replicas_ = n; }

 private:
  struct File {
    std::string hash;                         // of the content last read
    std::vector<config::ServiceSpec> good;    // last version that parsed
    std::vector<std::string> errors;          // of the content last read
  };
  std::string dir_;
  std::string self_;
  int max_replicas_ = config::PeerConfig::Limits{}.max_replicas;
  std::map<std::string, File> files_;         // by path
};

// 16 hex digits of BLAKE2b over `text`.
std::string content_hash(const std::string& text);
// A file name that is a plain `NAME.toml` (no folders, no dot files). For `shoal apply`.
bool safe_service_file_name(const std::string& name);

}  // namespace shoal::node
