#include "node/agent_start.hpp"

#include <sodium.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <ostream>

#include "config/parse.hpp"
#include "node/api_guard.hpp"
#include "node/host.hpp"
#include "node/limits_status.hpp"
#include "node/keyring_setup.hpp"
#include "node/log_format.hpp"
#include "node/persist.hpp"
#include "node/rename_takeover.hpp"
#include "node/runtime/registry_auth.hpp"
#include "node/seed_resolver.hpp"
#include "node/stream_transport.hpp"
#include "node/unix_socket_file.hpp"

namespace shoal::node {

namespace {

// The "shoal" logger on stderr in the asked format and level; an exit code when either is
// unknown.
int set_up_logging(const AgentOptions& opts, std::ostream& err) {
  auto logger = spdlog::get("shoal");
  if (!logger) logger = spdlog::stderr_color_mt("shoal");
  spdlog::set_default_logger(logger);
  auto formatter = make_log_formatter(opts.log_format);
  if (!formatter) {
    err << "shoal agent: --log-format: unknown format `" << opts.log_format << "` (text, json)\n";
    return 2;
  }
  spdlog::set_formatter(std::move(formatter));
  auto level = spdlog::level::from_str(opts.log_level);
  if (level == spdlog::level::off && opts.log_level != "off") {
    err << "shoal agent: --log-level: unknown level `" << opts.log_level
        << "` (trace, debug, info, warn, error, off)\n";
    return 2;
  }
  spdlog::set_level(level);
  return 0;
}

int read_driver_faults(AgentStart& s, std::ostream& err) {
  auto faults = runtime::driver_faults_from_env();  // a test knob, read once
  if (!faults.ok()) {
    err << "shoal agent: " << runtime::kDriverFaultsEnv << ": " << faults.error().message << "\n";
    return 2;
  }
  s.faults = faults.value();
  if (s.faults) {
    spdlog::warn("{} is set: this agent's driver fails calls on purpose (a test knob, never for "
                 "production): seed={} every={} slow_ms={}",
                 runtime::kDriverFaultsEnv, s.faults->seed, s.faults->every, s.faults->slow_ms);
  }
  return 0;
}

// The peer file, resolved against this host (name, addresses, capacity, profile).
int read_peer_file(const std::string& path, AgentStart& s, std::ostream& err) {
  auto text = read_file(path);
  if (!text) {
    err << path << ":0:0: cannot read file\n";
    return 2;
  }
  auto parsed = config::parse_peer_file(*text, path);
  if (!parsed.ok()) {
    for (const auto& d : parsed.errors) err << d.to_string() << "\n";
    return 2;
  }
  s.cfg = std::move(*parsed.value);
  HostFacts facts{host_name(), host_cpu_milli(), host_memory_mib(), first_non_loopback_ipv4()};
  s.setup = resolve_setup(s.cfg, facts);
  if (!s.setup.error.empty()) {
    err << path << ":0:0: " << s.setup.error << "\n";
    return 2;
  }
  if (std::string e = resolve_advertise(s.setup.advertise.host); !e.empty()) {
    err << path << ":0:0: " << e << "\n";
    return 2;
  }
  return 0;
}

// data_dir (private), the name it holds, and the incarnation of the last run.
int settle_data_dir(const AgentOptions& opts, AgentStart& s, std::ostream& err) {
  std::string dir_warning;
  if (std::string e = make_private_dir(s.cfg.data_dir, dir_warning); !e.empty()) {
    err << "shoal agent: data_dir: " << e << "\n";
    return 1;
  }
  if (!dir_warning.empty()) spdlog::warn("data_dir: {}", dir_warning);
  if (int rc = settle_identity(s.cfg, s.setup.name, opts.rename, err, s.foreign); rc != 0)
    return rc;
  if (auto inc = read_file(s.cfg.data_dir + "/incarnation")) {
    try {
      s.incarnation = std::stoull(*inc);
    } catch (const std::exception&) {
      spdlog::warn("{}/incarnation is unreadable: starting from 0", s.cfg.data_dir);
    }
  }
  return 0;
}

// The keyring, the API token and registry credentials, each read once here.
int read_secrets(AgentStart& s, std::ostream& err) {
  for (const auto& [what, path] : {std::pair{"security.keyring", s.cfg.security.keyring},
                                   std::pair{"api.token_file", s.cfg.api.token_file}}) {
    if (std::string w = loose_mode_warning(path, what); !path.empty() && !w.empty()) {
      spdlog::warn("{}", w);
    }
  }
  if (int rc = setup_sealer(s.cfg, s.setup.advertise, s.setup.bind, s.sealer, err); rc != 0)
    return rc;
  // Replay window: the clock skew the store tolerates between peers, plus 5 s of transit.
  s.sealer.set_window(s.setup.gossip.max_clock_skew / gossip::kMillis + 5000);
  if (!s.cfg.api.token_file.empty()) {
    auto t = read_token_file(s.cfg.api.token_file);
    if (!t) {
      err << "shoal agent: api.token_file: cannot read a token from " << s.cfg.api.token_file
          << "\n";
      return 1;
    }
    s.token = std::move(*t);
  }
  if (!s.cfg.runtime.registry_auth.empty()) {
    auto auths = runtime::load_registry_auth(s.cfg.runtime.registry_auth);
    if (!auths) {
      err << "shoal agent: runtime.registry_auth: " << auths.error().message << "\n";
      return 1;
    }
    s.setup.registry_auths = std::move(auths.value());
  }
  return 0;
}

}  // namespace

std::variant<int, AgentStart> prepare_agent(const AgentOptions& opts, std::ostream& err) {
  if (int rc = set_up_logging(opts, err); rc != 0) return rc;
  // Many peers, many connections: the soft limit of open files up to the hard one.
  spdlog::debug("open files: at most {}", raise_fd_limit());
  if (sodium_init() < 0) {
    err << "shoal agent: libsodium failed to initialise\n";
    return 1;
  }
  AgentStart s;
  if (int rc = read_driver_faults(s, err); rc != 0) return rc;
  if (int rc = read_peer_file(opts.config_path, s, err); rc != 0) return rc;
  if (int rc = settle_data_dir(opts, s, err); rc != 0) return rc;
  if (int rc = read_secrets(s, err); rc != 0) return rc;
  if (s.cfg.runtime.driver == "process") {
    s.setup.cgroups = runtime::set_up_cgroups(s.cfg.data_dir);
    if (std::string w = limits_warning(s.setup.cgroups); !w.empty()) spdlog::warn("{}", w);
  }
  auto& api = s.cfg.api;
  if (api.socket.empty()) api.socket = s.cfg.data_dir + "/api.sock";
  api.socket = std::filesystem::absolute(api.socket).lexically_normal().string();
  if (std::string w = socket_reach_warning(api.socket, api.socket_group); !w.empty()) {
    spdlog::warn("{}", w);
  }
  return s;
}

}  // namespace shoal::node
