// Resource limits for process-driver instances, on temporary folders laid out like cgroup
// trees (the files a kernel would create are created by the test): the v2 controllers enabled
// for the instances, the cpu and memory files written in v2 and v1 form, hostile ids refused,
// a service without resources unlimited, the v1 hierarchies found from mountinfo, and the OOM
// count read; then the kernel's side, where this host allows it (cgroup v1 or v2): past its
// memory limit an instance is killed and the driver says why, over its cpu limit it is
// throttled, without resources it has no limit (skipped, visibly, where neither is allowed).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>

#include <filesystem>
#include <fstream>
#include <initializer_list>

#include "node/runtime/cgroup.hpp"
#include "node/runtime/cgroup_delegate.hpp"
#include "node/runtime/cgroup_instance.hpp"
#include "node/runtime/cgroup_limits.hpp"
#include "node/runtime/cgroup_setup.hpp"
#include "tests/runtime/harness.hpp"
#include "tests/skip.hpp"

using namespace shoal::runtime;
using namespace shoal::runtime::test;

namespace {

struct TempTree {
  std::string root;
  TempTree() {
    char tmpl[] = "/tmp/shoal-cgtree-XXXXXX";
    root = ::mkdtemp(tmpl);
  }
  ~TempTree() {
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
  }
  // A folder holding these (empty) files, as the kernel makes a cgroup's.
  std::string cgroup(const std::string& rel, std::initializer_list<const char*> files) const {
    const std::string dir = root + "/" + rel;
    std::filesystem::create_directories(dir);
    for (const char* f : files) std::ofstream(dir + "/" + f).flush();
    return dir;
  }
};

shoal::config::Resources res(std::int64_t cpu_milli, std::int64_t memory_mib) {
  shoal::config::Resources r;
  r.cpu_milli = cpu_milli;
  r.memory_mib = memory_mib;
  return r;
}

}  // namespace

TEST_CASE("cgroup limits: cpu quota from millicores, at least the kernel's 1 ms", "[cgroup]") {
  CHECK(cpu_quota_us(100) == 10000);
  CHECK(cpu_quota_us(1500) == 150000);
  CHECK(cpu_quota_us(1) == 1000);
  // Past what validation allows (a spec that skipped it): bounded, no overflow.
  CHECK(cpu_quota_us(INT64_MAX) == shoal::config::kMaxCpuMilli * 100);
  CHECK(v1_memory_files("/x", INT64_MAX)[0].value == std::to_string(std::int64_t{1} << 60));
  CHECK(v1_cpu_files("/x", 0).empty());
  CHECK(v1_memory_files("/x", 0).empty());
  CHECK(v2_limit_files("/x", res(0, 0)).empty());
}

TEST_CASE("cgroup limits: v2 controllers enabled for the instances when the parent offers them",
          "[cgroup]") {
  TempTree t;
  const std::string base = t.cgroup("svc/shoal", {"cgroup.controllers", "cgroup.subtree_control"});
  const std::string peer = t.cgroup("svc/shoal/0123", {"cgroup.subtree_control"});
  std::ofstream(base + "/cgroup.controllers") << "io pids\n";
  CHECK(enable_v2_limits(base, peer) ==
        "the cgroup2 parent of " + base + " does not delegate cpu, memory (its "
        "cgroup.subtree_control; it cannot while the agent's own process is in it)");
  std::ofstream(base + "/cgroup.controllers") << "cpuset cpu io memory pids\n";
  CHECK(enable_v2_limits(base, peer).empty());
  CHECK(read_text(base + "/cgroup.subtree_control") == "+cpu +memory");
  CHECK(read_text(peer + "/cgroup.subtree_control") == "+cpu +memory");
  std::filesystem::remove(peer + "/cgroup.subtree_control");  // not a cgroup: named
  CHECK(enable_v2_limits(base, peer).find("cannot write " + peer + "/cgroup.subtree_control") == 0);
}

TEST_CASE("cgroup limits: v2, an agent alone in its delegated cgroup moves to a leaf to pass "
          "cpu and memory on", "[cgroup]") {
  TempTree t;
  const char* files[] = {"cgroup.type", "cgroup.controllers", "cgroup.subtree_control",
                         "cgroup.procs"};
  const std::string own = t.cgroup("svc", {files[0], files[1], files[2], files[3]});
  t.cgroup("svc/agent", {"cgroup.procs"});
  auto put = [&](const char* f, const std::string& v) { std::ofstream(own + "/" + f) << v; };
  put("cgroup.controllers", "io pids\n");
  CHECK(delegate_v2_controllers(own, 42) ==
        "the agent's cgroup " + own + " is not offered cpu and memory (cgroup.controllers; a "
        "service manager delegates them, e.g. systemd Delegate=yes)");
  put("cgroup.controllers", "cpuset cpu io memory pids\n");
  put("cgroup.procs", "42\n77\n");
  CHECK(delegate_v2_controllers(own, 42) ==
        "the agent's cgroup " + own + " holds process 77 besides the agent, so it cannot pass "
        "cpu and memory on");
  CHECK(read_text(own + "/cgroup.subtree_control").empty());
  put("cgroup.procs", "42\n");
  CHECK(delegate_v2_controllers(own, 42).empty());
  CHECK(read_text(own + "/agent/cgroup.procs") == "42");  // the agent moved to the leaf
  CHECK(read_text(own + "/cgroup.subtree_control") == "+cpu +memory");
  // Already enabled: nothing moves. The root (no cgroup.type): nothing to do.
  put("cgroup.procs", "42\n77\n");
  CHECK(delegate_v2_controllers(own, 42).empty());
  const std::string root = t.cgroup("root", {"cgroup.procs"});
  CHECK(delegate_v2_controllers(root, 42).empty());
  CHECK_FALSE(std::filesystem::exists(root + "/agent"));
}

TEST_CASE("cgroup limits: a v2 instance gets cpu.max, memory.max, no swap, and is killed whole", "[cgroup]") {
  TempTree t;
  CgroupSetup s;
  s.mode = "cgroup2";
  s.v2_dir = t.cgroup("peer", {});
  const std::string dir =
      t.cgroup("peer/web-0.0",
               {"cgroup.procs", "cpu.max", "memory.max", "memory.swap.max", "memory.oom.group"});
  auto g = make_instance_cgroups(s, "web-0.0", res(1500, 64));
  REQUIRE(g.ok());
  CHECK(g->dirs == std::vector<std::string>{dir});
  CHECK(g->limited);
  CHECK(g->oom_file == dir + "/memory.events");
  CHECK(read_text(dir + "/cpu.max") == "150000 100000");
  CHECK(read_text(dir + "/memory.max") == std::to_string(64 * 1024 * 1024));
  CHECK(read_text(dir + "/memory.swap.max") == "0");
  CHECK(read_text(dir + "/memory.oom.group") == "1");  // the whole instance, not one process

  // No swap accounting: memory.swap.max absent, skipped. A missing cpu.max: the start fails,
  // naming it.
  const std::string bare = t.cgroup("peer/api-0.0", {"memory.max"});
  auto e = make_instance_cgroups(s, "api-0.0", res(0, 8));
  CHECK(e.ok());
  auto f = make_instance_cgroups(s, "api-0.0", res(100, 8));
  REQUIRE_FALSE(f.ok());
  CHECK(f.error().message == "resources: cannot write " + bare +
                                 "/cpu.max: No such file or directory");
}

TEST_CASE("cgroup limits: a v1 instance gets a cpu and a memory cgroup, and no swap", "[cgroup]") {
  TempTree t;
  CgroupSetup s;
  s.mode = "cgroup1";
  s.v2_dir = t.cgroup("unified/peer", {});
  s.v1_cpu = t.cgroup("cpu/peer", {});
  s.v1_memory = t.cgroup("memory/peer", {});
  const std::string cpu = t.cgroup("cpu/peer/web-1.0", {"cpu.cfs_period_us", "cpu.cfs_quota_us"});
  const std::string mem = t.cgroup("memory/peer/web-1.0",
                                   {"memory.limit_in_bytes", "memory.memsw.limit_in_bytes"});
  auto g = make_instance_cgroups(s, "web-1.0", res(100, 32));
  REQUIRE(g.ok());
  // The v2 one first: it lists everything the instance started (stops use it).
  CHECK(g->dirs == std::vector<std::string>{s.v2_dir + "/web-1.0", cpu, mem});
  CHECK(g->oom_file == mem + "/memory.oom_control");
  CHECK(read_text(cpu + "/cpu.cfs_period_us") == "100000");
  CHECK(read_text(cpu + "/cpu.cfs_quota_us") == "10000");
  CHECK(read_text(mem + "/memory.limit_in_bytes") == "33554432");
  CHECK(read_text(mem + "/memory.memsw.limit_in_bytes") == "33554432");

  // Without resources: no v1 cgroup, no limit; membership only.
  auto none = make_instance_cgroups(s, "web-2.0", res(0, 0));
  REQUIRE(none.ok());
  CHECK(none->dirs == std::vector<std::string>{s.v2_dir + "/web-2.0"});
  CHECK_FALSE(none->limited);
  CHECK(none->oom_file.empty());
  CHECK_FALSE(std::filesystem::exists(s.v1_memory + "/web-2.0"));
  // Mode "none": resources are not enforced, the instance still starts.
  s.mode = "none";
  auto unenforced = make_instance_cgroups(s, "web-3.0", res(100, 32));
  REQUIRE(unenforced.ok());
  CHECK_FALSE(unenforced->limited);
}

TEST_CASE("cgroup limits: an instance id that is not a plain name makes no cgroup", "[cgroup]") {
  TempTree t;
  CgroupSetup s;
  s.mode = "cgroup1";
  s.v1_cpu = t.cgroup("cpu/peer", {});
  s.v1_memory = t.cgroup("memory/peer", {});
  for (const char* id : {"../../etc", "..", ".", "", "a/b"}) {
    auto g = make_instance_cgroups(s, id, res(100, 32));
    CHECK_FALSE(g.ok());
  }
  CHECK(std::filesystem::is_empty(t.root + "/cpu/peer"));
  CHECK(std::filesystem::is_empty(t.root + "/memory/peer"));
}

TEST_CASE("cgroup limits: v1 hierarchies found from mountinfo and /proc/self/cgroup", "[cgroup]") {
  TempTree t;
  const std::string mountinfo =
      "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
      "32 31 0:29 / " + t.root + "/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
      "33 31 0:30 / " + t.root + "/cpuacct rw - cgroup cgroup rw,cpuacct\n"
      "35 31 0:32 /ctr " + t.root + "/memory rw - cgroup cgroup rw,memory\n";
  const std::string self = "4:memory:/ctr/job\n3:cpuacct:/\n2:cpu,cpuacct:/job\n0::/\n";
  t.cgroup("cpu,cpuacct/job/shoal", {"cgroup.procs"});
  t.cgroup("memory/job", {});
  CHECK(find_v1_base(mountinfo, self, "cpu").dir == t.root + "/cpu,cpuacct/job/shoal");
  // The memory hierarchy is mounted from its /ctr: the path below it. Not a cgroup: named.
  auto mem = find_v1_base(mountinfo, self, "memory");
  CHECK(mem.dir.empty());
  CHECK(mem.error.find(t.root + "/memory/job/shoal is not a writable cgroup") == 0);
  CHECK(find_v1_base(mountinfo, self, "pids").error == "no cgroup v1 pids hierarchy is mounted");
  CHECK(find_v1_base(mountinfo, "2:cpu,cpuacct:/a/../../etc\n", "cpu").error ==
        "no cgroup v1 cpu membership in /proc/self/cgroup");
}

TEST_CASE("cgroup limits: the kernel's OOM kill count, v1 and v2 form", "[cgroup]") {
  auto count = [](const std::string& s) { return oom_kill_count(s.data(), s.size()); };
  CHECK(count("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n") == 3);
  CHECK(count("low 0\nhigh 0\nmax 7\noom 2\noom_kill 1\noom_group_kill 0\n") == 1);
  CHECK(count("xoom_kill 5\n") == 0);
  CHECK(count("") == 0);
  CHECK(count("oom_kill 99999999999999999999999999") > 0);  // bounded, no overflow
}

namespace {

// The children's cpu time (ms) in the output of the shell's `times` (its second line: user
// and system, "0m0.120000s 0m0.004000s" in dash, "0m0.120s 0m0.004s" in bash).
long children_cpu_ms(const std::string& times) {
  const auto nl = times.find('\n');
  if (nl == std::string::npos) return -1;
  int um = 0, sm = 0;
  double us = 0, ss = 0;
  if (std::sscanf(times.c_str() + nl + 1, "%dm%lfs %dm%lfs", &um, &us, &sm, &ss) != 4) return -1;
  return static_cast<long>((um + sm) * 60000 + (us + ss) * 1000);
}

long stat_field(const std::string& text, const std::string& key) {
  for (const auto& l : lines_of(text))
    if (l.rfind(key + " ", 0) == 0) return std::stol(l.substr(key.size() + 1));
  return -1;
}

}  // namespace

TEST_CASE("process driver: an instance past its memory limit is killed by the kernel",
          "[runtime][cgroup]") {
  std::vector<std::string> log;
  Harness h([&](ProcessDriverOptions& o) { o.log = [&](std::string_view l) { log.emplace_back(l); }; });
  if (h.driver->cgroups().mode == "none")
    SHOAL_SKIP("resource limits cannot be enforced here: " << h.driver->cgroups().why, false);
  // `tail` keeps all of a stream without line breaks: 200 MiB against a 32 MiB limit.
  auto spec = h.spec("hog", 0, "head -c 209715200 /dev/zero | tail > /dev/null");
  spec.service.resources.memory_mib = 32;
  Instance inst = h.start(spec);
  auto exits = h.wait_exits(1, 8000);
  for (const auto& l : log) UNSCOPED_INFO(l);
  REQUIRE(exits.size() == 1);
  CHECK(exits[0].reason == Exit::Reason::exited);
  // The shell reports its `tail` killed (code 137), or the kernel's OOM killer took the shell
  // too (signal 9): either way an end the kernel caused, noted as such.
  const bool tail_killed = exits[0].exit_code == 128 + 9 && exits[0].signal == 0;
  const bool shell_killed = exits[0].exit_code == -1 && exits[0].signal == 9;
  CHECK((tail_killed || shell_killed));
  const std::string ended = "instance " + inst.id + " ended: exited code " +
                            std::to_string(exits[0].exit_code) + " signal " +
                            std::to_string(exits[0].signal) +
                            " (out of memory: killed by the kernel at its memory limit)";
  CHECK(std::find(log.begin(), log.end(), ended) != log.end());
  for (const auto& d : {h.driver->cgroups().v2_dir, h.driver->cgroups().v1_memory})
    if (!d.empty()) CHECK(wait_until([&] { return !std::filesystem::exists(d + "/" + inst.id); }, 3000));
}

TEST_CASE("process driver: an instance over its cpu limit is throttled, one without is not",
          "[runtime][cgroup]") {
  Harness h;
  const CgroupSetup& cg = h.driver->cgroups();
  if (cg.mode == "none") SHOAL_SKIP("resource limits cannot be enforced here: " << cg.why, false);
  // A busy loop for 1 s, then its cpu time (`times`), then idle so its cgroup stays to read.
  const std::string script =
      "timeout 1 sh -c 'while :; do :; done'; times > cpu.tmp && mv cpu.tmp cpu.times; "
      "exec sleep 60";
  auto limited_spec = h.spec("busy", 0, script);
  limited_spec.service.resources.cpu_milli = 100;
  Instance limited = h.start(limited_spec);
  Instance free = h.start(h.spec("free", 0, script));
  const std::string lt = h.driver->work_dir(limited.labels) + "/cpu.times";
  const std::string ft = h.driver->work_dir(free.labels) + "/cpu.times";
  REQUIRE(wait_until([&] { return std::filesystem::exists(lt) && std::filesystem::exists(ft); },
                     6000));
  const long limited_ms = children_cpu_ms(read_text(lt));
  const long free_ms = children_cpu_ms(read_text(ft));
  const std::string dir = (cg.mode == "cgroup2" ? cg.v2_dir : cg.v1_cpu) + "/";
  const std::string stat = read_text(dir + limited.id + "/cpu.stat");
  INFO("cpu ms: limited " << limited_ms << ", unlimited " << free_ms << "; cpu.stat:\n" << stat);
  REQUIRE(limited_ms >= 0);
  CHECK(stat_field(stat, "nr_throttled") > 0);
  // Its quota: 10 ms in each 100 ms period it ran (nr_periods), so ~100 ms in its 1 s.
  CHECK(limited_ms <= stat_field(stat, "nr_periods") * 10 + 50);
  CHECK(limited_ms <= 250);
  // Unlimited: no cpu cgroup of its own (v1), or "max" (v2).
  if (cg.mode == "cgroup1") CHECK_FALSE(std::filesystem::exists(dir + free.id));
  else CHECK(read_text(dir + free.id + "/cpu.max").rfind("max ", 0) == 0);
  // Far under the unlimited loop, when this host gave that one a fair share of a core.
  if (free_ms >= 500) CHECK(limited_ms * 2 < free_ms);
  else WARN("host too busy to compare: the unlimited loop got " << free_ms << " ms");
  REQUIRE(h.driver->stop(limited.id, 1000).ok());
  REQUIRE(h.driver->stop(free.id, 1000).ok());
  CHECK(h.wait_exits(2).size() == 2);
}
