// The usage sampler's parsers (node/usage_parse.hpp) on real shapes and hostile ones: every
// input gives a value or nullopt, never a throw or a read past the text.
#include <catch2/catch.hpp>

#include <string>

#include "node/usage_parse.hpp"
#include "node/usage_service.hpp"

using namespace shoal::node;

TEST_CASE("usage parse: /proc/stat", "[usage]") {
  const auto c = parse_proc_cpu(
      "cpu  100 10 50 800 40 0 5 0 30 0\ncpu0 50 5 25 400 20 0 2 0 0 0\ncpu1 50 5 25 400 20 0 3 0 0 0\n"
      "intr 1 2 3\n");
  REQUIRE(c);
  CHECK(c->total == 1005);  // guest (30) is in user already
  CHECK(c->busy == 165);
  CHECK(c->cpus == 2);
  CHECK(parse_proc_cpu("cpu  1 2 3 4\n")->cpus == 1);  // an old kernel: four fields, no cpuN
  CHECK_FALSE(parse_proc_cpu(""));
  CHECK_FALSE(parse_proc_cpu("cpu  1 2\n"));
  CHECK_FALSE(parse_proc_cpu("cpu  a b c d e\n"));
  CHECK_FALSE(parse_proc_cpu("cpu  0 0 0 0\n"));  // no time at all: no rate from it
  CHECK_FALSE(parse_proc_cpu("cpu  18446744073709551615 1 1 1\n"));
  CHECK_FALSE(parse_proc_cpu("cpu0 1 2 3 4\n"));
}

TEST_CASE("usage parse: /proc/meminfo", "[usage]") {
  const auto m = parse_meminfo("MemTotal:       24000000 kB\nMemFree: 1 kB\nMemAvailable:   20000000 kB\n");
  REQUIRE(m);
  CHECK(m->total_kib == 24000000);
  CHECK(m->available_kib == 20000000);
  CHECK_FALSE(parse_meminfo("MemTotal: 10 kB\n"));                    // no MemAvailable
  CHECK_FALSE(parse_meminfo("MemTotal: 10 kB\nMemAvailable: 11 kB\n"));  // more free than there is
  CHECK_FALSE(parse_meminfo("MemTotal: x kB\nMemAvailable: 1 kB\n"));
  CHECK_FALSE(parse_meminfo(std::string(70000, '\n')));
}

TEST_CASE("usage parse: cgroup.procs", "[usage]") {
  CHECK(parse_pid_list("12\n13\nx\n-4\n0\n99999999999\n14", 10) == std::vector<std::int64_t>{12, 13, 14});
  CHECK(parse_pid_list("1\n2\n3\n", 2).size() == 2);
}

TEST_CASE("usage parse: engine stats, Docker's and Podman's shapes", "[usage]") {
  // Docker on cgroup v2: usage less inactive_file.
  auto d = parse_engine_stats(R"({"read":"2026-12-07T08:00:00Z","cpu_stats":{"cpu_usage":
      {"total_usage":123456789},"system_cpu_usage":1},"precpu_stats":{},
      "memory_stats":{"usage":10485760,"stats":{"inactive_file":2097152},"limit":1}})");
  REQUIRE(d);
  CHECK(d->cpu_total_ns == 123456789);
  CHECK(d->memory_bytes == 8388608);
  // cgroup v1: total_inactive_file.
  d = parse_engine_stats(R"({"cpu_stats":{"cpu_usage":{"total_usage":5}},
      "memory_stats":{"usage":4096,"stats":{"total_inactive_file":1024}}})");
  REQUIRE(d);
  CHECK(d->memory_bytes == 3072);
  // A container just started: empty objects, nulls, no stats at all.
  d = parse_engine_stats(R"({"cpu_stats":{},"memory_stats":{"usage":null}})");
  REQUIRE(d);
  CHECK(d->cpu_total_ns == 0);
  CHECK(d->memory_bytes == 0);
  CHECK(parse_engine_stats("{}"));
  // Cache larger than usage (racy counters): usage as it is, no wrap-around.
  CHECK(parse_engine_stats(R"({"memory_stats":{"usage":10,"stats":{"inactive_file":20}}})")->memory_bytes == 10);
}

TEST_CASE("usage parse: hostile engine stats", "[usage]") {
  CHECK_FALSE(parse_engine_stats(""));
  CHECK_FALSE(parse_engine_stats("[]"));
  CHECK_FALSE(parse_engine_stats("not json"));
  CHECK_FALSE(parse_engine_stats(R"({"cpu_stats":{"cpu_usage":{"total_usage":-5}}})"));
  CHECK_FALSE(parse_engine_stats(R"({"cpu_stats":{"cpu_usage":{"total_usage":1.5}}})"));
  CHECK_FALSE(parse_engine_stats(R"({"cpu_stats":{"cpu_usage":{"total_usage":"12"}}})"));
  CHECK_FALSE(parse_engine_stats(R"({"memory_stats":{"usage":1e300}})"));
  CHECK_FALSE(parse_engine_stats(R"({"memory_stats":{"usage":[1]}})"));
  // A step of the path of the wrong type reads as missing.
  CHECK(parse_engine_stats(R"({"cpu_stats":"busy","memory_stats":[]})"));
  CHECK(parse_engine_stats(R"({"cpu_stats":{"cpu_usage":{"total_usage":99999999999999999999999}}})") ==
        std::nullopt);
  std::string deep(100000, '[');
  CHECK_FALSE(parse_engine_stats(deep));
}

TEST_CASE("usage: SHOAL_USAGE_INTERVAL_MS", "[usage]") {
  using std::chrono::milliseconds;
  CHECK(usage_interval(nullptr) == milliseconds(5000));
  CHECK(usage_interval("") == milliseconds(5000));
  CHECK(usage_interval("0") == milliseconds(0));
  CHECK(usage_interval("250") == milliseconds(250));
  CHECK(usage_interval("-1") == milliseconds(5000));
  CHECK(usage_interval("5s") == milliseconds(5000));
  CHECK(usage_interval("99999999999") == milliseconds(3'600'000));
}
