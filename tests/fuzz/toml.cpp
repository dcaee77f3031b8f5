// Any bytes as a TOML file: a service file (what `shoal apply` sends and services_dir holds)
// or a peer file.
#include "config/parse.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto split = shoal::fuzz::split(data, size);
  const auto text = shoal::fuzz::text(split.data, split.size);
  if (split.second) {
    (void)shoal::config::parse_peer_file(text, "peer.toml");
  } else {
    (void)shoal::config::parse_service_file(text, "svc.toml");
  }
  return 0;
}
