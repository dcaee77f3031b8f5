// systemd's readiness protocol (sd_notify(3)), without libsystemd: one datagram "READY=1" to
// the unix socket named by $NOTIFY_SOCKET (a path, or an abstract name when it starts with '@').
// The unit (Type=notify) counts the peer as started once it has joined its cluster or its join
// timed out (Readiness::synced), so `systemctl start` returns when the peer can take work and
// units ordered after it start then.
#pragma once

#include <string>

namespace shoal::node {

// Sends `state` (e.g. "READY=1") to the socket `notify_socket` names. Empty on success, else
// what failed. An empty `notify_socket` (not started by systemd) sends nothing and succeeds.
std::string sd_notify_to(const std::string& notify_socket, const std::string& state);

// The agent's one notification. The constructor takes $NOTIFY_SOCKET and removes it from the
// environment, so the instances the process driver starts do not inherit it (systemd would
// ignore them under NotifyAccess=main anyway, but they need not see it). It calls unsetenv:
// construct it before the process starts any thread.
class ReadyNotice {
 public:
  ReadyNotice();
  explicit ReadyNotice(std::string notify_socket) : socket_(std::move(notify_socket)) {}

  // The first call sends READY=1 (a failure is logged once: the peer runs on regardless; systemd
  // then reports the start as timed out, which is where an operator looks).
  void send_once();
  bool sent() const { return sent_; }

 private:
  std::string socket_;
  bool sent_ = false;
};

}  // namespace shoal::node
