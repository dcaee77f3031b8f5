// A skip that shows. Catch2 2 has no skip, and a test that returns early passes silently, so a
// skipped test WARNs a marker that ctest's SKIP_REGULAR_EXPRESSION turns into "Skipped" (set in
// the CMakeLists of every test folder that can skip), and scripts/test lists the skips.
// Under CI=true a skip of something the scripts install (Podman, the shared/ trace) is a
// failure: CI must run those tests, not pass without them.
#pragma once

#include <cstdlib>
#include <string_view>

namespace shoal::test {

inline bool under_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string_view(ci) == "true";
}

}  // namespace shoal::test

// Skips the current test case (WARN + return). `installed` = the scripts install what is
// missing, so CI must have it.
#define SHOAL_SKIP(why, installed)                                                   \
  do {                                                                               \
    if ((installed) && ::shoal::test::under_ci()) FAIL("not skipped under CI=true: " << why); \
    WARN("SHOAL-SKIPPED: " << why);                                                  \
    return;                                                                          \
  } while (0)
