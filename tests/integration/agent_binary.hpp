// The `shoal` binary the integration tests start and call: this build's, or SHOAL_TEST_AGENT
// when set (scripts/test runs the [asan] tests of the Release build's driver against the
// sanitizer build's agent, so the sanitizer build need not compile the driver).
#pragma once

#include <cstdlib>

inline const char* shoal_bin() {
  const char* agent = std::getenv("SHOAL_TEST_AGENT");
  return agent != nullptr && *agent != '\0' ? agent : SHOAL_BIN;
}
