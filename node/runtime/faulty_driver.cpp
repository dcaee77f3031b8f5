#include "node/runtime/faulty_driver.hpp"

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <thread>

namespace shoal::runtime {

namespace {

template <class T>
bool parse_number(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

}  // namespace

Result<DriverFaults> parse_driver_faults(std::string_view text) {
  DriverFaults f;
  bool has_seed = false;
  bool has_every = false;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view part = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    const std::size_t eq = part.find('=');
    const std::string_view key = part.substr(0, eq);
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    bool ok = eq != std::string_view::npos;
    if (key == "seed") {
      ok = ok && parse_number(value, f.seed);
      has_seed = true;
    } else if (key == "every") {
      ok = ok && parse_number(value, f.every) && f.every >= 1;
      has_every = true;
    } else if (key == "slow_ms") {
      ok = ok && parse_number(value, f.slow_ms) && f.slow_ms >= 0 && f.slow_ms <= 60000;
    } else {
      return Error{"unknown key `" + std::string(key) + "` (seed, every, slow_ms)"};
    }
    if (!ok) return Error{"bad value in `" + std::string(part) + "`"};
  }
  if (!has_seed || !has_every) return Error{"needs seed=<u64> and every=<N >= 1>"};
  return f;
}

Result<std::optional<DriverFaults>> driver_faults_from_env() {
  const char* v = std::getenv(kDriverFaultsEnv);
  if (v == nullptr) return std::optional<DriverFaults>();
  auto f = parse_driver_faults(v);
  if (!f.ok()) return f.error();
  return std::optional<DriverFaults>(f.value());
}

FaultyDriver::FaultyDriver(std::unique_ptr<Driver> inner, DriverFaults faults,
                           std::function<void(std::string_view)> log)
    : inner_(std::move(inner)), faults_(faults), log_(std::move(log)), rng_(faults.seed) {
  if (faults_.every < 1) faults_.every = 1;
  for (auto& o : offset_) o = draw(static_cast<std::uint64_t>(faults_.every));
}

std::uint64_t FaultyDriver::draw(std::uint64_t n) {
  // mt19937_64's output sequence is fixed by the standard (std distributions are not).
  return rng_() % n;
}

bool FaultyDriver::due(Method m) {
  ++calls_[m];
  return (calls_[m] + offset_[m]) % static_cast<std::uint64_t>(faults_.every) == 0;
}

void FaultyDriver::inject(const std::string& what) {
  ++injected_;
  if (log_) log_("injected driver fault " + std::to_string(injected_) + ": " + what);
}

Result<Instance> FaultyDriver::start(const InstanceSpec& spec) {
  if (!due(kStart)) return inner_->start(spec);
  const std::string svc = "service " + spec.labels.service + ": ";
  std::string e = draw(2) == 0 ? "fork: Resource temporarily unavailable"
                               : "pipe: Too many open files";
  inject("start " + spec.labels.service + "-" + std::to_string(spec.labels.index) + " fails: " +
         e);
  return Error{svc + e};
}

Status FaultyDriver::stop(const std::string& id, Millis grace) {
  if (!due(kStop)) return inner_->stop(id, grace);
  switch (draw(3)) {
    case 0:
      inject("stop " + id + " fails (record unreadable: EMFILE)");
      return Error{"unknown instance " + id};
    case 1:
      inject("stop " + id + " is slow (" + std::to_string(faults_.slow_ms) + " ms)");
      std::this_thread::sleep_for(std::chrono::milliseconds(faults_.slow_ms));
      return inner_->stop(id, grace);
    default:
      inject("stop " + id + " is lost (ok, nothing done)");
      return {};
  }
}

Status FaultyDriver::force_stop(const std::string& id) {
  if (!due(kForceStop)) return inner_->force_stop(id);
  if (draw(2) == 0) {
    inject("force_stop " + id + " is lost (ok, nothing done)");
    return {};
  }
  inject("force_stop " + id + " fails");
  return Error{"SIGKILL to process group of " + id + ": Operation not permitted"};
}

std::vector<Instance> FaultyDriver::list() {
  std::vector<Instance> all = inner_->list();
  if (!due(kList)) return all;
  if (all.empty() || draw(2) == 0) {
    inject("list comes back empty (opendir: EMFILE)");
    return {};
  }
  const std::size_t drop = static_cast<std::size_t>(draw(all.size()));
  inject("list leaves out " + all[drop].id + " (record unreadable)");
  all.erase(all.begin() + static_cast<std::ptrdiff_t>(drop));
  return all;
}

std::vector<Exit> FaultyDriver::poll() {
  if (!due(kPoll)) return inner_->poll();
  inject("poll comes back empty (opendir: EMFILE)");
  return {};
}

std::function<std::unique_ptr<Driver>()> with_faults(
    std::function<std::unique_ptr<Driver>()> make, DriverFaults faults,
    std::function<void(std::string_view)> log) {
  return [make = std::move(make), faults, log = std::move(log)]() -> std::unique_ptr<Driver> {
    return std::make_unique<FaultyDriver>(make(), faults, log);
  };
}

}  // namespace shoal::runtime
