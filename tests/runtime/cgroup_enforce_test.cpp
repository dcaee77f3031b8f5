// A service's resources enforced by the kernel on process-driver instances (cgroup v1 or v2,
// whichever this host allows: cgroup_setup.hpp): past its memory limit an instance is killed
// and the driver says why; over its cpu limit it is throttled; without resources, no limit.
// Skipped, visibly, where the host allows neither.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "node/runtime/cgroup_setup.hpp"
#include "tests/runtime/harness.hpp"
#include "tests/skip.hpp"

using namespace shoal::runtime;
using namespace shoal::runtime::test;

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
  REQUIRE(exits.size() == 1);
  CHECK(exits[0].reason == Exit::Reason::exited);
  CHECK(exits[0].exit_code == 128 + 9);  // the shell reports its `tail` killed (SIGKILL)
  const std::string ended = "instance " + inst.id + " ended: exited code 137 signal 0 (out of "
                            "memory: killed by the kernel at its memory limit)";
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
