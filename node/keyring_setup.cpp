#include "node/keyring_setup.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include <ostream>

#include "node/known_peers.hpp"
#include "node/persist.hpp"
#include "node/sealer.hpp"

namespace shoal::node {

std::string keyring_path(const config::PeerConfig& cfg) {
  return cfg.security.keyring.empty() ? cfg.data_dir + "/keyring" : cfg.security.keyring;
}

KeyringPlan plan_keyring(const config::PeerConfig& cfg, bool exists, bool joins) {
  KeyringPlan p;
  if (cfg.security.insecure) {
    p.kind = KeyringPlan::Kind::insecure;
    return p;
  }
  const bool named = !cfg.security.keyring.empty();
  p.path = keyring_path(cfg);
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

int setup_sealer(const config::PeerConfig& cfg, const gossip::Address& advertise,
                 const gossip::Address& bind, Sealer& sealer, std::ostream& err) {
  bool joins = false;
  for (const auto& a : cfg.join) joins |= gossip::Address{a.host, a.port} != advertise;
  if (auto known = read_file(cfg.data_dir + "/peers")) joins |= !parse_known_peers(*known).empty();
  const KeyringPlan plan =
      plan_keyring(cfg, ::access(keyring_path(cfg).c_str(), F_OK) == 0, joins);
  switch (plan.kind) {
    case KeyringPlan::Kind::insecure:
      spdlog::warn("security.insecure = true: gossip is NOT authenticated; anyone who can reach "
                   "{} can run commands on this host through replicated state",
                   bind.to_string());
      return 0;
    case KeyringPlan::Kind::refuse:
      err << "shoal agent: " << plan.message << "\n";
      return 1;
    case KeyringPlan::Kind::create:
      if (std::string e = create_keyring(plan.path); !e.empty()) {
        err << "shoal agent: cannot create the cluster key: " << e << "\n";
        return 1;
      }
      spdlog::warn("created a new cluster key in {} (mode 0600): copy this file to every peer "
                   "that joins this one (as its data_dir/keyring, or name it in "
                   "security.keyring) before starting them",
                   plan.path);
      break;
    case KeyringPlan::Kind::load:
      break;
  }
  if (std::string e = sealer.load(plan.path, cfg.security.label); !e.empty()) {
    err << "shoal agent: security.keyring: " << e << "\n";
    return 1;
  }
  return 0;
}

}  // namespace shoal::node
