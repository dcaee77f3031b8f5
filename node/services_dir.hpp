// The peer's services folder (services_dir): every `*.toml` in it, parsed when its content
// changes (BLAKE2b content hash), the last good version kept when a new one fails to parse.
// What it finds is this peer's local desired state; the agent publishes it into replicated
// state as `spec/<name>` (and erases it when it leaves the folder).
//
// Desired state changes only on positive evidence (an unreadable folder must never look like
// an empty one, or every peer stops this peer's services):
//  - a listing that fails (folder missing, renamed away, replaced by a file, EMFILE) changes
//    nothing; it is reported in errors() with the path until a listing succeeds again;
//  - a file that cannot be read keeps its last version (error reported with the path);
//  - a file is gone only when two consecutive successful timed listings lack it (or forget());
//  - gone(name) says whether the caller may treat "not in services()" as "removed" for a
//    name it published, maybe before this run (none is, before two good listings or forget()).
// Does file I/O; no Asio; not thread-safe (the agent's io thread owns it).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/spec.hpp"

namespace shoal::node {

class ServicesDir {
 public:
  // `self` is this peer's name: services with placement.home = true get home_peer = self.
  // `dir` is normalised (`a//b/` -> `a/b`), so paths compare equal however it was written.
  ServicesDir(std::string dir, std::string self);

  // Re-reads the folder. True when the set of good services changed. A scan woken by an
  // event (inotify, apply) passes `timed = false`: it takes new and changed files but its
  // listing is no evidence of absence, since a burst of events (an editor's save renames the
  // file away and back) would make two listings in a millisecond. Only the timed scans, a
  // second apart, count towards "gone" and listed_twice().
  bool scan(bool timed = true);
  // The caller removed or renamed `path` itself: it is gone now, without waiting two scans,
  // and so are the services it defined (gone()).
  void forget(const std::string& path);

  // Every service of every file's last good version, sorted by name (a name defined in two
  // files: the file that sorts first wins, the other is reported in errors()).
  std::vector<config::ServiceSpec> services() const;
  // Current problems, `path:line:col: message` or `path: message`, sorted.
  std::vector<std::string> errors() const;
  // The file defining `name`, or "".
  std::string file_of(const std::string& name) const;
  // `dir/name`, as scan() spells the paths it finds.
  std::string path_of(const std::string& file_name) const { return dir_ + "/" + file_name; }
  const std::string& dir() const { return dir_; }
  // At least two timed listings succeeded since construction.
  bool listed_twice() const { return good_listings_ >= 2; }
  // Whether a service not in services() may be taken as removed: two timed listings
  // succeeded, or forget() dropped the file that defined it.
  bool gone(const std::string& name) const {
    return listed_twice() || forgotten_.count(name) > 0;
  }
  // The peer's limits.max_replicas for the files it reads (default 10,000).
  void set_max_replicas(int n) { max_replicas_ = n; }

 private:
  struct File {
    std::string hash;                         // of the content last read
    std::vector<config::ServiceSpec> good;    // last version that parsed
    std::vector<std::string> errors;          // of the content last read
    std::string read_error;                   // the last read failed: why (content kept)
    int absent = 0;                           // consecutive good listings without it
  };
  void read_one(const std::string& path, File& f);

  std::string dir_;
  std::string self_;
  int max_replicas_ = config::PeerConfig::Limits{}.max_replicas;
  std::map<std::string, File> files_;         // by path
  std::string list_error_;                    // the last listing failed: why
  int good_listings_ = 0;
  std::set<std::string> forgotten_;           // services of files forget() dropped
};

// 16 hex digits of BLAKE2b over `text`.
std::string content_hash(const std::string& text);
// A file name that is a plain `NAME.toml` (no folders, no dot files). For `shoal apply`.
bool safe_service_file_name(const std::string& name);
// `a//b/./` -> `a/b`; "/" stays "/"; "" stays "".
std::string normalize_dir(const std::string& dir);

}  // namespace shoal::node
