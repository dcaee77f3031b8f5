#include "config/spec.hpp"

namespace shoal::config {

std::string Address::to_string() const {
  std::string out;
  if (host.find(':') != std::string::npos) {
    out = "[" + host + "]";
  } else {
    out = host;
  }
  out += ":";
  out += std::to_string(port);
  return out;
}

}  // namespace shoal::config
