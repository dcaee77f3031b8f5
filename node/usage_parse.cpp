#include "node/usage_parse.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

namespace shoal::node {

namespace {

// A whole decimal token of digits only (no sign, no overflow).
std::optional<std::uint64_t> number(std::string_view t) {
  std::uint64_t v = 0;
  if (t.empty()) return std::nullopt;
  const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size()) return std::nullopt;
  return v;
}

// Space-separated tokens of one line.
std::vector<std::string_view> tokens(std::string_view line, std::size_t max) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size() && out.size() < max) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t b = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > b) out.push_back(line.substr(b, i - b));
  }
  return out;
}

// Calls f(line) for each line until it returns false.
template <typename F>
void each_line(std::string_view text, F f) {
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    if (!f(line) || nl == std::string_view::npos) return;
    text.remove_prefix(nl + 1);
  }
}

}  // namespace

std::optional<HostCpu> parse_proc_cpu(std::string_view text) {
  std::optional<HostCpu> out;
  int cpus = 0;
  each_line(text, [&](std::string_view line) {
    if (line.starts_with("cpu ")) {
      const auto t = tokens(line, 11);
      if (t.size() < 5 || out) return true;  // user nice system idle at least
      HostCpu c;
      std::uint64_t idle = 0;
      for (std::size_t k = 1; k < t.size(); ++k) {
        const auto v = number(t[k]);
        if (!v || c.total > UINT64_MAX - *v) return false;
        if (k == 9 || k == 10) continue;  // guest, guest_nice: already in user and nice
        c.total += *v;
        if (k == 4 || k == 5) idle += *v;  // idle, iowait
      }
      c.busy = c.total - idle;
      out = c;
    } else if (line.starts_with("cpu") && line.size() > 3 && line[3] >= '0' && line[3] <= '9') {
      ++cpus;
    }
    return true;
  });
  if (!out || out->total == 0) return std::nullopt;
  out->cpus = cpus > 0 ? cpus : 1;
  return out;
}

std::optional<HostMemory> parse_meminfo(std::string_view text) {
  std::optional<std::uint64_t> total, avail;
  each_line(text, [&](std::string_view line) {
    const auto t = tokens(line, 3);
    if (t.size() >= 2 && t[0] == "MemTotal:") total = number(t[1]);
    if (t.size() >= 2 && t[0] == "MemAvailable:") avail = number(t[1]);
    return !(total && avail);
  });
  if (!total || !avail || *avail > *total) return std::nullopt;
  return HostMemory{*total, *avail};
}

std::vector<std::int64_t> parse_pid_list(std::string_view text, std::size_t max) {
  std::vector<std::int64_t> out;
  each_line(text, [&](std::string_view line) {
    const auto v = number(line);
    if (v && *v > 0 && *v <= INT32_MAX) out.push_back(static_cast<std::int64_t>(*v));
    return out.size() < max;
  });
  return out;
}

std::optional<EngineStats> parse_engine_stats(std::string_view body) {
  using Json = nlohmann::json;
  const Json j = Json::parse(body.begin(), body.end(), nullptr, false);
  if (!j.is_object()) return std::nullopt;
  bool bad = false;
  // The number at a path of objects: 0 when any step is missing or null, `bad` when present
  // but not a non-negative integer.
  auto at = [&](std::initializer_list<const char*> path) -> std::uint64_t {
    const Json* v = &j;
    for (const char* k : path) {
      if (!v->is_object()) return 0;
      const auto it = v->find(k);
      if (it == v->end() || it->is_null()) return 0;
      v = &*it;
    }
    if (v->is_number_unsigned()) return v->get<std::uint64_t>();
    if (v->is_number_integer() && v->get<std::int64_t>() == 0) return 0;
    bad = true;
    return 0;
  };
  EngineStats s;
  s.cpu_total_ns = at({"cpu_stats", "cpu_usage", "total_usage"});
  const std::uint64_t usage = at({"memory_stats", "usage"});
  // What `docker stats` shows: usage less the inactive file cache (cgroup v2: inactive_file,
  // v1: total_inactive_file), when the engine gives it.
  std::uint64_t cache = at({"memory_stats", "stats", "inactive_file"});
  if (cache == 0) cache = at({"memory_stats", "stats", "total_inactive_file"});
  if (bad) return std::nullopt;
  s.memory_bytes = cache < usage ? usage - cache : usage;
  return s;
}

}  // namespace shoal::node
