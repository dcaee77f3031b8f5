// sim/experiments in the source tree, as CMake knows it (ctest runs the tests from another
// folder, and __FILE__ may be relative to the build folder).
#pragma once

#include <filesystem>

namespace shoal::sim::test {

inline std::filesystem::path experiments_dir() {
  return std::filesystem::path(SHOAL_SOURCE_DIR) / "sim" / "experiments";
}

}  // namespace shoal::sim::test
