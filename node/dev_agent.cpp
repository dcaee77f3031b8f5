#include "node/dev_agent.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <ostream>
#include <vector>

#include "config/units.hpp"

namespace shoal::node {

std::string dev_peer_file(const DevFolders& f, const std::string& bind, const std::string& api) {
  return "# Written by `shoal agent --dev`: one peer on loopback, for trying Shoal.\n"
         "bind = \"" + bind + "\"\n"
         "data_dir = \"" + f.data_dir + "\"\n"
         "services_dir = \"" + f.services_dir + "\"\n"
         "gossip = { profile = \"fast\", join_grace = \"1s\" }\n"
         "api = { listen = \"" + api + "\" }\n"
         "runtime = { driver = \"process\" }\n";
}

std::string make_dev_folders(const std::string& tmp, const DevOptions& dev, DevFolders& out) {
  std::string templ = tmp + "/shoal-dev-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) return templ + ": " + std::strerror(errno);
  out.root = buf.data();
  out.data_dir = out.root + "/data";
  out.services_dir = out.root + "/services";
  out.config = out.root + "/peer.toml";
  if (::mkdir(out.data_dir.c_str(), 0700) != 0 || ::mkdir(out.services_dir.c_str(), 0755) != 0)
    return out.root + ": " + std::strerror(errno);
  std::ofstream f(out.config);
  f << dev_peer_file(out, dev.bind, dev.api);
  f.close();
  if (!f) return out.config + ": cannot write";
  return "";
}

int run_dev_agent(AgentOptions opts, const DevOptions& dev, std::ostream& out, std::ostream& err) {
  for (const auto& [flag, value] : {std::pair{"--bind", dev.bind}, {"--api-listen", dev.api}}) {
    if (auto a = config::parse_address(value); !a.ok()) {
      err << "shoal agent: " << flag << ": " << a.error << "\n";
      return 2;
    }
  }
  const char* tmp = std::getenv("TMPDIR");
  DevFolders f;
  if (std::string e = make_dev_folders(tmp && *tmp ? tmp : "/tmp", dev, f); !e.empty()) {
    err << "shoal agent --dev: " << e << "\n";
    return 1;
  }
  out << "shoal agent --dev: a one-peer cluster on loopback, for trying Shoal\n"
      << "  services_dir: " << f.services_dir << "  (drop service files here)\n"
      << "  data_dir:     " << f.data_dir << "\n"
      << "  peer file:    " << f.config << "\n"
      << "  api:          " << dev.api << "  (shoal ps --api " << dev.api << ")\n"
      << std::flush;
  opts.config_path = f.config;
  const int rc = run_agent(opts, err);
  out << "shoal agent --dev: stopped; its files stay in " << f.root << "\n";
  return rc;
}

}  // namespace shoal::node
