#include "node/runtime/heartbeat_watch.hpp"

#include <sys/stat.h>

namespace shoal::runtime {

HeartbeatSig read_heartbeat_sig(const std::string& path) noexcept {
  struct stat st;
  HeartbeatSig s;
  if (::stat(path.c_str(), &st) == 0) {
    s.ino = st.st_ino;
    s.sec = st.st_mtim.tv_sec;
    s.nsec = st.st_mtim.tv_nsec;
    s.size = st.st_size;
  }
  return s;
}

}  // namespace shoal::runtime
