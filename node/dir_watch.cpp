#include "node/dir_watch.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cstring>

#include "node/asio.hpp"

namespace shoal::node {

namespace asio = boost::asio;

struct DirWatch::Impl : std::enable_shared_from_this<DirWatch::Impl> {
  Impl(asio::io_context& io, std::string d, std::function<void()> cb)
      : fd(io), dir(std::move(d)), on_change(std::move(cb)) {}

  void read() {
    fd.async_read_some(asio::buffer(buf),
                       [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                         if (ec) return;  // closed (destroyed) or broken: the timed scan remains
                         self->on_events(n);
                         self->read();
                       });
  }

  void on_events(std::size_t n) {
    bool lost = false;
    for (std::size_t off = 0; off + sizeof(inotify_event) <= n;) {
      inotify_event ev;
      std::memcpy(&ev, buf.data() + off, sizeof ev);
      if (ev.wd == wd && (ev.mask & (IN_MOVE_SELF | IN_DELETE_SELF | IN_IGNORED | IN_UNMOUNT)))
        lost = true;
      off += sizeof(inotify_event) + ev.len;
    }
    if (lost && wd >= 0) {
      // The watch follows the inode: a folder renamed away must not be watched there.
      ::inotify_rm_watch(fd.native_handle(), wd);
      wd = -1;
    }
    if (on_change) on_change();
  }

  asio::posix::stream_descriptor fd;
  std::string dir;
  std::function<void()> on_change;
  int wd = -1;
  std::array<char, 4096> buf{};
};

DirWatch::DirWatch(asio::io_context& io, std::string dir, std::function<void()> on_change)
    : impl_(std::make_shared<Impl>(io, std::move(dir), std::move(on_change))) {
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return;  // no inotify: the timed scan alone
  boost::system::error_code ec;
  impl_->fd.assign(fd, ec);
  if (ec) {
    ::close(fd);
    return;
  }
  impl_->read();
}

DirWatch::~DirWatch() {
  boost::system::error_code ec;
  impl_->on_change = nullptr;
  impl_->fd.close(ec);
}

// Files written in place wake it when closed (IN_CLOSE_WRITE), not at every write: a scan
// between the truncation and the write would read half a file. Renames and deletes at once.
bool DirWatch::ensure() {
  if (!impl_->fd.is_open()) return false;
  if (impl_->wd >= 0) return true;
  impl_->wd = ::inotify_add_watch(impl_->fd.native_handle(), impl_->dir.c_str(),
                                  IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                                      IN_MOVE_SELF | IN_DELETE_SELF | IN_ONLYDIR);
  return impl_->wd >= 0;
}

bool DirWatch::watching() const { return impl_->wd >= 0; }

}  // namespace shoal::node
