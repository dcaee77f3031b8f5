#include "config/diagnostic.hpp"

namespace shoal::config {

std::string Diagnostic::to_string() const {
  if (line <= 0) return path + ": " + message;
  return path + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + message;
}

}  // namespace shoal::config
