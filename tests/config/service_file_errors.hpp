// A service file's diagnostics as the tests compare them: one per line, "" when accepted.
#pragma once

#include <string>

#include "config/parse.hpp"

namespace shoal::config::test {

inline std::string service_file_errors(const std::string& text) {
  auto r = parse_service_file(text, "f.toml");
  std::string out;
  for (const auto& e : r.errors) out += (out.empty() ? "" : "\n") + e.to_string();
  return out;
}

}  // namespace shoal::config::test
