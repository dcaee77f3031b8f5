// Wakes the agent when its services folder changes (inotify), so an edit is published at once
// rather than at the next 1 s scan. An event only triggers a scan (ServicesDir::scan(false)):
// the listing stays the source of truth, and the timed scan stays the fallback when inotify is
// unavailable (no inotify, the watch limit reached) or the folder is missing.
// The watch follows the folder's inode: when the folder is renamed away, deleted or replaced,
// the watch is dropped and ensure() (called with the timed scan) adds it again on the path.
// Not thread-safe: the io thread owns it.
#pragma once

#include <functional>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace shoal::node {

class DirWatch {
 public:
  DirWatch(boost::asio::io_context& io, std::string dir, std::function<void()> on_change);
  ~DirWatch();
  DirWatch(const DirWatch&) = delete;
  DirWatch& operator=(const DirWatch&) = delete;

  // Watches the folder when it does not yet (first call, or after it went away). True when a
  // watch is in place.
  bool ensure();
  bool watching() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace shoal::node
