// A real HAProxy (Debian's haproxy 2.6) for end-to-end tests: examples/haproxy/haproxy.cfg
// rendered for the test's ports, run in the foreground as a child process (killed by PID when
// the object goes), and what it resolved, read from its stats socket.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace shoal::test {

// One line of `show servers state BACKEND`.
struct HaServer {
  std::string name;     // web1..web10
  std::string address;  // "127.0.0.11" (a slot DNS has not filled: "0.0.0.0" or "-")
  int op_state = 0;     // 0 stopped, 1 starting, 2 running, 3 stopping
  // Flags: 0x01/0x02/0x04 maintenance (forced, inherited, config), 0x08/0x10 drain, 0x20
  // maintenance for want of a DNS answer, 0x40 the FQDN came from DNS (no effect on traffic).
  int admin_state = 0;
  bool serving() const { return op_state == 2 && (admin_state & 0x3f) == 0; }
};

// The path of the haproxy binary, "" when it is not installed.
std::string haproxy_binary();

// The text of examples/haproxy/NAME ("" when it cannot be read).
std::string example_text(const std::string& name);

// examples/haproxy/haproxy.cfg with `bind` ("127.0.0.1:8080" in the example) and the stats
// socket path replaced, and one nameserver line per address of `nameservers`
// ("127.0.0.11:5353"). Throws when the example no longer holds what it replaces.
std::string render_example(const std::vector<std::string>& nameservers, const std::string& bind,
                           const std::string& socket);

class Haproxy {
 public:
  // Renders the example into `dir`: listening on 127.0.0.1:`port`, the stats socket in `dir`.
  Haproxy(const std::string& dir, std::uint16_t port, const std::vector<std::string>& nameservers);
  ~Haproxy();  // SIGKILL by PID, reaped
  Haproxy(const Haproxy&) = delete;
  Haproxy& operator=(const Haproxy&) = delete;

  void start();
  bool running();  // still alive (not exited)
  std::uint16_t port() const { return port_; }
  const std::string& config() const { return config_; }
  const std::string& log() const { return log_; }
  // `show servers state web`; empty when the socket does not answer.
  std::vector<HaServer> servers(const std::string& backend = "web");
  // A column of `show stat` (CSV) for one proxy row, e.g. ("web", "BACKEND", "wretr"); -1
  // when absent.
  long stat(const std::string& proxy, const std::string& row, const std::string& column);
  // The answer of the stats socket to one command ("" when it does not answer).
  std::string command(const std::string& cmd);

 private:
  std::string config_, log_, socket_;
  std::uint16_t port_;
  pid_t pid_ = -1;
};

}  // namespace shoal::test
