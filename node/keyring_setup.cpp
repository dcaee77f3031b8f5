#include "node/keyring_setup.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "node/sealer.hpp"

namespace shoal::node {

KeyringPlan plan_keyring(const config::PeerConfig& cfg, bool exists, bool joins) {
  KeyringPlan p;
  if (cfg.security.insecure) {
    p.kind = KeyringPlan::Kind::insecure;
    return p;
  }
  const bool named = !cfg.security.keyring.empty();
  p.path = named ? cfg.security.keyring : cfg.data_dir + "/keyring";
  if (exists) {
    p.kind = KeyringPlan::Kind::load;
    return p;
  }
  if (!named && !joins) {
    p.kind = KeyringPlan::Kind::create;
    return p;
  }
  p.kind = KeyringPlan::Kind::refuse;
  const std::string fix =
      "copy the keyring file of a running peer of the cluster to " + p.path +
      " (mode 0600), or start a new cluster's first peer without `join`, which creates one; "
      "`shoal keygen > FILE` makes a key. Plaintext gossip only with "
      "security = { insecure = true }";
  p.message = named ? "security.keyring: " + p.path + " does not exist: " + fix
                    : "no cluster key: this peer joins other peers but " + p.path +
                          " does not exist: " + fix;
  return p;
}

std::string create_keyring(const std::string& path) {
  const std::string text = new_key_base64() + "\n";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return path + ": " + std::strerror(errno);
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string e = path + ": " + std::strerror(errno);
      ::close(fd);
      ::unlink(path.c_str());
      return e;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    std::string e = path + ": " + std::strerror(errno);
    ::close(fd);
    ::unlink(path.c_str());
    return e;
  }
  ::close(fd);
  return "";
}

}  // namespace shoal::node
