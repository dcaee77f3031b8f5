#include "node/runtime/watchdog_keeper.hpp"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

extern char** environ;

namespace shoal::runtime {

WatchdogKeeper::WatchdogKeeper(WatchdogOptions options, std::function<void(std::string_view)> log,
                               std::string exe)
    : opt_(std::move(options)), log_(std::move(log)), exe_(std::move(exe)) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(opt_.data_dir, ec);  // the watchdog may not share our cwd
  if (!ec) opt_.data_dir = abs.lexically_normal().string();
  if (auto old = watchdog_holder(opt_.data_dir)) {
    ::kill(old->pid, SIGTERM);
    if (log_) log_("asked the orphan watchdog of a previous run (pid " + std::to_string(old->pid) +
                   ") to exit; a fresh one starts");
  }
}

WatchdogKeeper::~WatchdogKeeper() { reap(); }

void WatchdogKeeper::tick() {
  reap();
  if (backoff_ > 0) {
    --backoff_;
    return;
  }
  if (!watchdog_lock_held(opt_.data_dir)) spawn();
}

void WatchdogKeeper::reap() {
  std::erase_if(children_, [this](pid_t pid) {
    int status = 0;
    pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      // It could not watch (data_dir unusable, killed): try again later, less and less often.
      failures_ = std::min(failures_ + 1, 6);
      backoff_ = 1 << failures_;
      if (log_) log_("the orphan watchdog (pid " + std::to_string(pid) + ") ended with status " +
                     std::to_string(status) + "; see " + watchdog_log_path(opt_.data_dir));
    } else if (w == pid) {
      failures_ = 0;
    }
    return w == pid || (w < 0 && errno == ECHILD);
  });
}

void WatchdogKeeper::spawn() {
  std::vector<std::string> args{"shoal",          "watchdog",
                                "--data-dir",     opt_.data_dir,
                                "--peer",         opt_.peer,
                                "--orphan-timeout-ms", std::to_string(opt_.orphan_timeout)};
  if (!opt_.socket.empty()) {
    args.push_back("--socket");
    args.push_back(opt_.socket);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  for (int fd = 0; fd <= 2; ++fd)
    posix_spawn_file_actions_addopen(&fa, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, dfl;
  sigemptyset(&none);
  sigemptyset(&dfl);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&dfl, s);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &dfl);
  // Its own session (and process group): a signal to the agent's group or terminal does not
  // reach it, so it outlives the agent.
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, exe_.c_str(), &fa, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    if (log_) log_("cannot start the orphan watchdog (" + exe_ + "): " + std::strerror(rc));
    return;
  }
  children_.push_back(pid);
  if (log_) log_("started the orphan watchdog (pid " + std::to_string(pid) + ") for peer " +
                 opt_.peer + ", orphan_timeout " + std::to_string(opt_.orphan_timeout) + " ms");
}

}  // namespace shoal::runtime
