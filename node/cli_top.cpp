#include "node/cli_top.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <ostream>
#include <thread>

#include "config/units.hpp"
#include "node/json_read.hpp"
#include "node/peer/json_int.hpp"
#include "node/peer/json_text.hpp"

namespace shoal::node {

namespace {

using Json = nlohmann::json;

std::optional<std::int64_t> num(const Json& o, const char* key) {
  return json_int_at<std::int64_t>(o, key);
}

std::string text(const Json& o, const char* key) {
  if (!o.is_object() || !o.contains(key) || !o[key].is_string()) return "-";
  return o[key].get<std::string>();
}

// "120m/2000m 6%" (or "120m" without a capacity, "-" without a value).
std::string used_of(std::optional<std::int64_t> used, std::optional<std::int64_t> cap,
                    const char* unit) {
  if (!used) return "-";
  std::string s = std::to_string(*used) + (cap && *cap > 0 ? "/" + std::to_string(*cap) : "") + unit;
  if (cap && *cap > 0 && *used >= 0 && *used < INT64_MAX / 100)
    s += " " + std::to_string(*used * 100 / *cap) + "%";
  return s;
}

std::string age_of(std::optional<std::int64_t> ms) {
  if (!ms) return "-";
  return *ms < 10000 ? std::to_string(*ms / 100 / 10.0).substr(0, 3) + "s"
                     : std::to_string(*ms / 1000) + "s";
}

// Rows that fit the terminal (all when stdout is not one).
std::size_t instance_rows(std::size_t peers) {
  winsize w{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) != 0 || w.ws_row == 0) return 0;
  const std::size_t used = peers + 5;  // the peers' table, the gap, the head, the "more" line
  return w.ws_row > used ? w.ws_row - used : 1;
}

}  // namespace

std::string top_frame(const Json& usage, std::size_t max_instances) {
  std::vector<std::vector<std::string>> peers;
  for (const Json& p : array_at(usage, "peers")) {
    peers.push_back({text(p, "peer"), used_of(num(p, "cpu_milli"), num(p, "cpu_capacity_milli"), "m"),
                     used_of(num(p, "memory_mib"), num(p, "memory_capacity_mib"), "MiB"),
                     used_of(num(p, "agent_cpu_milli"), std::nullopt, "m") + " " +
                         used_of(num(p, "agent_rss_mib"), std::nullopt, "MiB"),
                     age_of(num(p, "age_ms"))});
  }
  std::vector<const Json*> inst;
  for (const Json& i : array_at(usage, "instances")) inst.push_back(&i);
  std::stable_sort(inst.begin(), inst.end(), [](const Json* a, const Json* b) {
    return num(*a, "cpu_milli").value_or(-1) > num(*b, "cpu_milli").value_or(-1);
  });
  std::vector<std::vector<std::string>> rows;
  const std::size_t shown = max_instances == 0 ? inst.size() : std::min(max_instances, inst.size());
  for (std::size_t k = 0; k < shown; ++k) {
    const Json& i = *inst[k];
    const auto index = num(i, "index");
    rows.push_back({text(i, "service"), index ? std::to_string(*index) : "-", text(i, "peer"),
                    used_of(num(i, "cpu_milli"), std::nullopt, "m"),
                    used_of(num(i, "rss_mib"), std::nullopt, "MiB")});
  }
  if (peers.empty()) return "no measurement yet (each peer measures every few seconds)\n";
  std::string s = text_table({"PEER", "CPU", "MEMORY", "AGENT", "AGE"}, peers) + "\n" +
                  text_table({"SERVICE", "INDEX", "PEER", "CPU", "RSS"}, rows);
  if (shown < inst.size()) s += "(" + std::to_string(inst.size() - shown) + " more)\n";
  return s;
}

int cmd_top(const ApiTarget& api, const TopOptions& opts, std::ostream& out, std::ostream& err) {
  const auto every = config::parse_duration(opts.interval);
  if (!every.ok() || *every.value < 100) {
    err << "shoal top: --interval " << opts.interval << ": "
        << (every.ok() ? std::string("at least 100ms") : every.error) << "\n";
    return 2;
  }
  const bool live = !opts.once && !opts.json;
  if (live) ::signal(SIGINT, [](int) { ::_exit(0); });  // Ctrl-C ends it as asked: exit 0
  for (;;) {
    auto j = api_call(api, "GET", "/v1/usage", "", err, "top");
    if (!j) return 1;
    if (opts.json) {
      out << json_text(*j) << "\n";
      return 0;
    }
    const std::size_t peers = array_at(*j, "peers").size();
    if (live) out << "\x1b[H\x1b[2J";  // home, clear: one frame a screen
    out << top_frame(*j, live ? instance_rows(peers) : 0) << std::flush;
    if (!live) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(*every.value));
  }
}

}  // namespace shoal::node
