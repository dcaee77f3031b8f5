#include "node/runtime/cgroup2_paths.hpp"

namespace shoal::runtime {

namespace {

// The first `n` space- or tab-separated tokens of `line` (fewer when it has fewer): count kept.
std::size_t tokens(std::string_view line, std::string_view* out, std::size_t n) {
  std::size_t k = 0, i = 0;
  while (k < n) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t b = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i == b) break;
    out[k++] = line.substr(b, i - b);
  }
  return k;
}

// The line of `text` that `f` accepts first ("" when none does).
template <typename F>
std::string first_line(std::string_view text, F f) {
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    if (std::string found = f(text.substr(0, nl)); !found.empty()) return found;
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return {};
}

}  // namespace

std::string cgroup2_mount(std::string_view mountinfo) {
  return first_line(mountinfo, [](std::string_view line) {
    // "id parent maj:min root mountpoint options [optional...] - fstype source superoptions"
    const std::size_t dash = line.find(" - ");
    if (dash == std::string_view::npos) return std::string();
    std::string_view type, before[5];
    if (tokens(line.substr(dash + 3), &type, 1) != 1 || type != "cgroup2") return std::string();
    return tokens(line.substr(0, dash), before, 5) == 5 ? std::string(before[4]) : std::string();
  });
}

std::string cgroup2_path(std::string_view proc_cgroup) {
  return first_line(proc_cgroup, [](std::string_view line) {
    return line.starts_with("0::/") ? std::string(line.substr(3)) : std::string();
  });
}

}  // namespace shoal::runtime
