#include "node/run_delay.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdint>

namespace shoal::node {

std::optional<gossip::Micros> parse_run_delay(std::string_view text) {
  const auto space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view rest = text.substr(space + 1);
  std::uint64_t ns = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), ns);
  if (ec != std::errc() || end == rest.data() || (end != rest.data() + rest.size() && *end != ' '))
    return std::nullopt;
  return static_cast<gossip::Micros>(ns / 1000);
}

std::optional<gossip::Micros> thread_run_delay() {
  const int fd = ::open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[128];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  return parse_run_delay(std::string_view(buf, static_cast<std::size_t>(n)));
}

}  // namespace shoal::node
