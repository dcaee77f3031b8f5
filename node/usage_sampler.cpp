#include "node/usage_sampler.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <set>

#include <nlohmann/json.hpp>

#include "node/peer/json_text.hpp"
#include "node/runtime/cgroup2_paths.hpp"
#include "node/runtime/docker_api.hpp"
#include "node/runtime/instance_record.hpp"
#include "node/runtime/proc.hpp"
#include "node/usage_parse.hpp"

namespace shoal::node {

namespace {

constexpr std::size_t kMaxFile = 64 * 1024;    // /proc files and cgroup.procs read at most this
constexpr std::size_t kMaxProcesses = 4096;     // per instance
constexpr std::size_t kMaxInstances = 1024;
constexpr config::Millis kStatsTimeout = 2000;
// All of one reading's stats calls together: a slow engine with many containers must not hold
// the sampler (and the agent's exit, which waits for it) for minutes. The containers not asked
// this time keep their counters for the next reading.
constexpr auto kStatsBudget = std::chrono::seconds(4);

// A small file, at most kMaxFile bytes ("" when unreadable). /proc files are read in one go.
std::string read_small(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string out(kMaxFile, '\0');
  std::size_t n = 0;
  while (n < out.size()) {
    const ssize_t r = ::read(fd, out.data() + n, out.size() - n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    n += static_cast<std::size_t>(r);
  }
  ::close(fd);
  out.resize(n);
  return out;
}

std::string proc_file(std::int64_t pid, const char* name) {
  return "/proc/" + std::to_string(pid) + "/" + name;
}

// The processes of a process-driver instance: its cgroup's, else its descendants.
std::vector<std::int64_t> instance_pids(const runtime::InstanceRecord& r,
                                        const std::string& cgroup_mount) {
  if (!cgroup_mount.empty()) {
    const std::string path = runtime::cgroup2_path(read_small(proc_file(r.pid, "cgroup")));
    if (path.size() > r.id.size() && path.ends_with("/" + r.id)) {
      auto pids = parse_pid_list(read_small(cgroup_mount + path + "/cgroup.procs"), kMaxProcesses);
      if (!pids.empty()) return pids;
    }
  }
  std::vector<std::int64_t> out{r.pid};
  std::set<std::int64_t> seen{r.pid};
  for (std::size_t k = 0; k < out.size() && out.size() < kMaxProcesses; ++k) {
    const std::string p = "/proc/" + std::to_string(out[k]) + "/task/" + std::to_string(out[k]) + "/children";
    std::string kids = read_small(p);
    for (char& c : kids) c = c == ' ' ? '\n' : c;
    for (std::int64_t kid : parse_pid_list(kids, kMaxProcesses))
      if (seen.insert(kid).second) out.push_back(kid);
  }
  return out;
}

}  // namespace

UsageMeter::UsageMeter(UsageSource src)
    : src_(std::move(src)),
      cgroup_mount_(runtime::cgroup2_mount(read_small("/proc/self/mountinfo"))),
      tick_hz_(std::max(1L, ::sysconf(_SC_CLK_TCK))),
      page_size_(std::max(1L, ::sysconf(_SC_PAGESIZE))) {}

std::int64_t UsageMeter::rate(Counter& c, bool fresh, std::uint64_t value, std::int64_t now_ms,
                              bool ticks) {
  const Counter before = c;
  c = Counter{value, now_ms};
  const std::int64_t dt = now_ms - before.at_ms;
  if (fresh || dt <= 0 || value < before.value) return 0;  // a reused id, a counter reset
  const double d = static_cast<double>(value - before.value);
  const double per_ms = ticks ? d * 1000.0 / static_cast<double>(tick_hz_) : d / 1e6;
  const double milli = per_ms / static_cast<double>(dt) * 1000.0 + 0.5;
  return milli < 1e9 ? static_cast<std::int64_t>(milli) : 1'000'000'000;  // a counter gone wild
}

std::optional<UsageSummary> UsageMeter::read(std::int64_t mono_ms, std::int64_t wall_ms) {
  const auto cpu = parse_proc_cpu(read_small("/proc/stat"));
  const auto mem = parse_meminfo(read_small("/proc/meminfo"));
  runtime::ProcStat self;
  if (!cpu || !mem || !runtime::read_proc_stat(::getpid(), &self)) return std::nullopt;
  UsageSummary u;
  u.measured_ms = wall_ms;
  const bool first = !primed_;
  if (!first && cpu->total > host_total_ && cpu->busy >= host_busy_) {
    u.cpu_milli = static_cast<std::int64_t>(
        std::min(static_cast<double>(cpu->busy - host_busy_) /
                     static_cast<double>(cpu->total - host_total_), 1.0) *
            std::min(cpu->cpus, 1 << 16) * 1000.0 + 0.5);
  }
  host_busy_ = cpu->busy;
  host_total_ = cpu->total;
  u.memory_mib = static_cast<std::int64_t>((mem->total_kib - mem->available_kib) / 1024);
  u.agent_cpu_milli = rate(agent_, first, self.cpu_ticks, mono_ms, true);
  u.agent_rss_mib = static_cast<std::int64_t>(self.rss_pages * page_size_ >> 20);
  if (src_.driver == "docker") read_containers(mono_ms, u);
  else read_processes(mono_ms, u);
  primed_ = true;
  if (first) return std::nullopt;
  return quantised(std::move(u));
}

void UsageMeter::read_processes(std::int64_t now_ms, UsageSummary& out) {
  std::map<std::string, Counter> next;
  DIR* d = ::opendir((src_.data_dir + "/instances").c_str());
  if (d == nullptr) {
    instances_.clear();
    return;
  }
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (!name.ends_with(".inst") || next.size() >= kMaxInstances) continue;
    auto r = runtime::read_record(src_.data_dir + "/instances/" + name);
    if (!r.ok() || r->state != runtime::InstanceRecord::State::running || r->pid <= 0 ||
        !runtime::process_matches(static_cast<pid_t>(r->pid), r->start_time))
      continue;
    std::uint64_t ticks = 0, pages = 0;
    for (std::int64_t pid : instance_pids(r.value(), cgroup_mount_)) {
      runtime::ProcStat t;
      if (runtime::read_proc_stat(static_cast<pid_t>(pid), &t)) {
        ticks += t.cpu_ticks;
        pages += t.rss_pages;
      }
    }
    const auto it = instances_.find(r->id);
    Counter c = it == instances_.end() ? Counter{} : it->second;
    InstanceUsage iu{r->labels.service, r->labels.index, 0, 0};
    iu.cpu_milli = rate(c, it == instances_.end(), ticks, now_ms, true);
    iu.rss_mib = static_cast<std::int64_t>(pages * static_cast<std::uint64_t>(page_size_) >> 20);
    next[r->id] = c;
    out.instances.push_back(std::move(iu));
  }
  ::closedir(d);
  instances_ = std::move(next);  // the counters of instances gone are dropped
}

void UsageMeter::read_containers(std::int64_t now_ms, UsageSummary& out) {
  using Json = nlohmann::json;
  runtime::DockerApi api(src_.socket, kStatsTimeout);
  const Json filter{{"label", Json::array({"shoal.peer=" + src_.peer})}};
  auto list = api.request("GET", "/containers/json?filters=" + runtime::url_encode(json_text(filter)));
  if (!list.ok() || list->status != 200) return;  // the engine is down: no instance reading
  const Json arr = Json::parse(list->body, nullptr, false);
  if (!arr.is_array()) return;
  std::map<std::string, Counter> next;
  const auto deadline = std::chrono::steady_clock::now() + kStatsBudget;
  for (const auto& c : arr) {
    if (next.size() >= kMaxInstances) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      for (const auto& [id, k] : instances_) next.emplace(id, k);
      break;
    }
    if (!c.is_object() || !c.contains("Id") || !c["Id"].is_string() || !c.contains("Labels") ||
        !c["Labels"].is_object())
      continue;
    const Json& labels = c["Labels"];
    const auto svc = labels.find("shoal.service");
    const auto idx = labels.find("shoal.index");
    if (svc == labels.end() || idx == labels.end() || !svc->is_string() || !idx->is_string())
      continue;
    InstanceUsage iu{svc->get<std::string>(), -1, 0, 0};
    const auto& it = idx->get_ref<const std::string&>();
    const auto [p, ec] = std::from_chars(it.data(), it.data() + it.size(), iu.index);
    if (ec != std::errc() || iu.index < 0 || iu.service.empty()) continue;
    const std::string id = c["Id"].get<std::string>();
    auto got = api.request("GET", "/containers/" + runtime::url_encode(id) +
                                      "/stats?stream=false&one-shot=true");
    if (!got.ok() || got->status != 200) continue;
    const auto st = parse_engine_stats(got->body);
    if (!st) continue;
    const auto prev = instances_.find(id);
    Counter k = prev == instances_.end() ? Counter{} : prev->second;
    iu.cpu_milli = rate(k, prev == instances_.end(), st->cpu_total_ns, now_ms, false);
    iu.rss_mib = static_cast<std::int64_t>(st->memory_bytes >> 20);
    next[id] = k;
    out.instances.push_back(std::move(iu));
  }
  instances_ = std::move(next);
}

UsageSampler::UsageSampler(UsageSource src, std::chrono::milliseconds interval,
                           std::function<void(UsageSummary)> deliver)
    : meter_(std::move(src)), interval_(interval), deliver_(std::move(deliver)) {
  thread_ = std::thread([this] { loop(); });
}

UsageSampler::~UsageSampler() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void UsageSampler::loop() {
  using namespace std::chrono;
  std::unique_lock lk(mu_);
  while (!stop_) {
    lk.unlock();
    const auto mono = duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
    const auto wall = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    std::optional<UsageSummary> u;
    try {
      u = meter_.read(mono, wall);
    } catch (const std::exception&) {
      u.reset();  // (out of memory on a hostile engine answer): skip this reading
    }
    if (u) deliver_(std::move(*u));
    lk.lock();
    cv_.wait_for(lk, interval_, [this] { return stop_; });
  }
}

}  // namespace shoal::node
