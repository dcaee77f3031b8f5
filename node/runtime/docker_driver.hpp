// The `docker` runtime driver: runs a service's `image` as a container through the Docker
// Engine API (v1.41 paths, which Podman also serves) on a unix socket (docker_api.hpp). No CLI.
//
// Every container it creates carries the labels shoal.peer, shoal.service, shoal.index,
// shoal.spec (to_label_map) plus shoal.ports ("name=container:host;..."), is named
// shoal-<service>-<index>-<6 hex>, runs with an init process (HostConfig.Init) and the engine's
// restart policy "no" (the peer restarts). A restarted peer finds its running containers with
// list() (filtered by shoal.peer = options.peer) and adopts them; remove() deletes the ones it
// no longer owns.
//
// Blocking: every method makes a few engine round trips, each bounded by options.timeout (an
// image pull by options.pull_timeout), so the daemon runs them on a pool; an engine that is
// down answers with an Error in at most the timeout. Not thread-safe: one call at a time.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "node/runtime/docker_api.hpp"
#include "node/runtime/registry_auth.hpp"
#include "node/runtime/driver.hpp"

namespace shoal::runtime {

struct DockerDriverOptions {
  std::string peer;                    // this peer's name: the shoal.peer label and list filter
  std::string socket;                  // empty = detect_docker_socket() (socket_detect.hpp)
  std::string host_address = "0.0.0.0";  // HostIp of published ports; dynamic ports free here
  Millis timeout = 10000;              // per engine request (connect + write + read)
  Millis pull_timeout = 300000;        // per image pull
  bool init = true;                    // HostConfig.Init: signals forwarded, zombies reaped
  std::function<Millis()> wall_clock;  // ms since the epoch; default: CLOCK_REALTIME
  std::function<Millis()> mono_clock;  // ms; default: CLOCK_MONOTONIC
  std::function<void(std::string_view)> log;  // optional: one line per notable event
  RegistryAuths registry_auths;        // runtime.registry_auth: credentials for pulls
  std::vector<std::string> bind_roots; // runtime.bind_roots: where bind mounts may come from
  // Where an ended container's logs are copied before it is removed (saved_logs.hpp); empty:
  // not kept. Copies older than log_retention are removed.
  std::string logs_dir;
  Millis log_retention = 24 * 3600 * 1000;
};

// The result of running a command inside a container (exec()).
struct ExecResult {
  int exit_code = -1;
};

class DockerDriver final : public Driver {
 public:
  explicit DockerDriver(DockerDriverOptions options);

  DockerDriver(const DockerDriver&) = delete;
  DockerDriver& operator=(const DockerDriver&) = delete;

  // Pulls the image when absent, creates and starts the container. Env: the spec's env plus
  // SHOAL_SERVICE, SHOAL_INDEX, SHOAL_PEER. Ports: a static host port as given; a dynamic one
  // picked free on host_address (and not used by another of our containers). cpu -> NanoCpus,
  // memory -> Memory (a limit). A failed start removes what it created. spec.labels.peer
  // must be options.peer (else list() would never see the container).
  Result<Instance> start(const InstanceSpec& spec) override;
  // Sends the image's stop signal (Config.StopSignal, default SIGTERM) and returns; poll()
  // sends SIGKILL once `grace` has passed. The exit is reported as Reason::stopped.
  Status stop(const std::string& id, Millis grace) override;
  // Running containers labelled shoal.peer = options.peer, sorted by id (empty when the engine
  // does not answer: use list_checked() to tell). They are remembered for poll().
  std::vector<Instance> list() override;
  // Containers of ours that are no longer running, each reported once and then removed from
  // the engine: exit code from inspect (Reason::exited, or stopped after stop()); a container
  // that vanished (removed behind our back) -> Reason::lost. Also sends due SIGKILLs.
  std::vector<Exit> poll() override;
  void heartbeat() override {}
  // GET /_ping; re-detects the socket when none was found yet.
  Status available() override;
  // exec() of argv in the container; passes on exit 0 (an engine error fails the probe).
  ProbeResult exec_probe(const std::string& id, const std::vector<std::string>& argv,
                         Millis timeout) override;

  // list() with the engine's error.
  Result<std::vector<Instance>> list_checked();
  // Force-removes a container (and its anonymous volumes); an unknown id is ok. It is
  // forgotten: poll() reports nothing for it.
  Status remove(const std::string& id);
  // remove() (forced): what a stop that did not end the container by its deadline gets.
  Status force_stop(const std::string& id) override { return remove(id); }
  // Runs argv inside the running container (the exec API) and waits at most `timeout` for it.
  Result<ExecResult> exec(const std::string& id, const std::vector<std::string>& argv,
                          Millis timeout);
  // Sends a signal to the container as an outsider would (tests, operators): "SIGKILL" etc.
  Status kill(const std::string& id, const std::string& signal);

  // The socket in use ("" while none was found).
  const std::string& socket() const { return socket_; }

 private:
  struct Known {
    Labels labels;
    bool stopping = false;
    Millis kill_at = 0;  // mono ms; 0 = no SIGKILL pending
  };

  Status ensure_api();
  Status ensure_image(const std::string& image);
  // Host ports for a new container: static as given, dynamic ones free and not ours already.
  Result<std::vector<HostPort>> host_ports(const config::ServiceSpec& svc);
  Result<HttpResponse> call(std::string_view method, const std::string& target,
                            std::string_view body = {}, Millis timeout = -1,
                            const DockerApi::Headers& headers = {});
  void note(const std::string& line) const;
  // Copies an ended container's logs out before its removal (saved_logs.hpp).
  void keep_logs(const std::string& id, const Labels& labels);
  Millis wall() const;
  Millis mono() const;

  DockerDriverOptions opt_;
  std::string socket_;
  std::string detect_error_;
  std::map<std::string, Known> known_;  // containers started or listed by this object
};

// shoal.ports label value <-> ports: "http=80:31234;admin=9000:31235" (sorted like the spec).
std::string encode_ports_label(const std::vector<HostPort>& ports);
std::vector<HostPort> decode_ports_label(const std::string& text);

}  // namespace shoal::runtime
