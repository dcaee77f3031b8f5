// The one reading of where cgroup v2 is (node/runtime/cgroup2_paths.hpp), on real shapes and
// hostile ones: every text gives a path or "", never a throw or a read past the text.
#include <catch2/catch.hpp>

#include <string>

#include "node/runtime/cgroup2_paths.hpp"

using namespace shoal::runtime;

TEST_CASE("cgroup2 paths: the mount point in mountinfo", "[cgroup2]") {
  CHECK(cgroup2_mount("22 1 0:20 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
                      "30 22 0:26 / /sys/fs/cgroup/unified rw shared:9 - cgroup2 cgroup2 rw\n") ==
        "/sys/fs/cgroup/unified");
  CHECK(cgroup2_mount("30 22 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw") == "/sys/fs/cgroup");
  CHECK(cgroup2_mount("22 1 0:20 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw\n").empty());
  CHECK(cgroup2_mount("22 1 0:20 / /x rw - cgroup2x cgroup2 rw\n").empty());  // another type
  CHECK(cgroup2_mount("garbage - cgroup2\n").empty());                          // fields missing
  CHECK(cgroup2_mount("30 22 0:26 / /sys/fs/cgroup rw - \n").empty());
  CHECK(cgroup2_mount("").empty());
  CHECK(cgroup2_mount(std::string(100000, '-')).empty());
}

TEST_CASE("cgroup2 paths: a process's v2 path in /proc/<pid>/cgroup", "[cgroup2]") {
  CHECK(cgroup2_path("12:cpu:/x\n0::/system.slice/shoal/web-0.0\n") == "/system.slice/shoal/web-0.0");
  CHECK(cgroup2_path("0::/\n") == "/");
  CHECK(cgroup2_path("0::/a") == "/a");  // no final newline
  CHECK(cgroup2_path("0::\n").empty());
  CHECK(cgroup2_path("0::relative\n").empty());
  CHECK(cgroup2_path("4:memory:/x\n").empty());
  CHECK(cgroup2_path("").empty());
}
