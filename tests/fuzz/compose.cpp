// Any bytes as a docker-compose file (`shoal convert`): refused or converted, never a crash,
// and every service file it gives is one Shoal's parser accepts.
#include <cstdlib>

#include "config/parse.hpp"
#include "node/convert/compose.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto c = shoal::convert::convert_compose(shoal::fuzz::text(data, size), "c.yml");
  for (const auto& s : c.services)
    if (!shoal::config::parse_service_file(s.toml, "s.toml").ok()) std::abort();
  return 0;
}
