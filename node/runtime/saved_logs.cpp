#include "node/runtime/saved_logs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace shoal::runtime {

namespace {

bool write_all(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::string save_container_logs(const DockerApi& api, const std::string& logs_dir,
                                const Labels& labels, const std::string& id) {
  const std::string shown = id.substr(0, 12);
  auto r = api.request("GET", "/containers/" + url_encode(id) +
                                  "/logs?stdout=1&stderr=1&timestamps=1&tail=" +
                                  std::to_string(kSavedLogLines));
  if (!r) return "logs of " + shown + " not kept: " + r.error().message;
  if (r->status != 200) return "logs of " + shown + " not kept: " + engine_message(r.value());
  if (r->body.size() > kMaxSavedLogBytes)
    return "logs of " + shown + " not kept: " + std::to_string(r->body.size()) + " bytes";
  std::error_code ec;
  std::filesystem::create_directories(logs_dir, ec);
  const std::string path =
      logs_dir + "/" + labels.service + "-" + std::to_string(labels.index) + "." + shown + ".docker";
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return "logs of " + shown + " not kept: cannot write " + tmp;
  const bool ok = write_all(fd, r->body);
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return "logs of " + shown + " not kept: cannot write " + path;
  }
  return "";
}

int prune_saved_logs(const std::string& logs_dir, Millis now_ms, Millis retention) {
  int removed = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(logs_dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string p = it->path().string();
    if (p.size() < 7 || p.compare(p.size() - 7, 7, ".docker") != 0) continue;
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    const Millis mtime = static_cast<Millis>(st.st_mtim.tv_sec) * 1000;
    if (mtime < now_ms - retention && ::unlink(p.c_str()) == 0) ++removed;
  }
  return removed;
}

}  // namespace shoal::runtime
