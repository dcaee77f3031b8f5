// A fault-injecting runtime driver, for tests only: wraps a real driver and makes every Nth call
// of each of start / stop / force_stop / list / poll go wrong the way the process driver goes
// wrong under trouble (EMFILE, fork failing, a hung supervisor), the flavour drawn from a
// PRNG seeded by the caller, so a run reproduces from its seed.
//
// Enabled only by the environment variable SHOAL_TEST_DRIVER_FAULTS (kDriverFaultsEnv), read
// once when `shoal agent` starts, which then logs a warning saying so; absent, the agent's
// driver is not wrapped and nothing changes. The value: "seed=<u64>,every=<N>[,slow_ms=<ms>]".
//
// The faults (what the real driver does or reports in each case):
//  start       "fork: Resource temporarily unavailable" or "pipe: Too many open files";
//              nothing is started.
//  stop        "unknown instance <id>" (its record could not be read: EMFILE), nothing done;
//              or slow: holds the calling thread slow_ms, then stops; or lost: answers ok
//              and does nothing (a supervisor that never acts on the SIGTERM).
//  force_stop  ok and nothing done (the real one answers ok when it cannot read the record),
//              or "SIGKILL to process group of <id>: Operation not permitted".
//  list        empty (opendir: EMFILE), or one instance left out (its record unreadable).
//  poll        empty (opendir: EMFILE); the exits stay in their records for a later poll.
// heartbeat, available and exec_probe pass through untouched.
//
// Threading: as the wrapped driver (one call at a time; exec_probe is not intercepted).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "node/runtime/driver.hpp"

namespace shoal::runtime {

inline constexpr const char* kDriverFaultsEnv = "SHOAL_TEST_DRIVER_FAULTS";

struct DriverFaults {
  std::uint64_t seed = 0;
  int every = 0;        // >= 1: the every-th call of each method is faulted (1: every call)
  Millis slow_ms = 500;  // how long a slow stop holds the caller
  friend bool operator==(const DriverFaults&, const DriverFaults&) = default;
};

// Parses "seed=7,every=5,slow_ms=300"; the error names the part that is wrong.
Result<DriverFaults> parse_driver_faults(std::string_view text);

// The faults SHOAL_TEST_DRIVER_FAULTS asks for: nullopt when it is not set; an error when it
// is set but does not parse.
Result<std::optional<DriverFaults>> driver_faults_from_env();

class FaultyDriver final : public Driver {
 public:
  // `log` gets one line per injected fault.
  FaultyDriver(std::unique_ptr<Driver> inner, DriverFaults faults,
               std::function<void(std::string_view)> log = {});

  Result<Instance> start(const InstanceSpec& spec) override;
  Status stop(const std::string& id, Millis grace) override;
  Status force_stop(const std::string& id) override;
  std::vector<Instance> list() override;
  std::vector<Exit> poll() override;
  void heartbeat() override { inner_->heartbeat(); }
  Status available() override { return inner_->available(); }
  ProbeResult exec_probe(const std::string& id, const std::vector<std::string>& argv,
                         Millis timeout) override {
    return inner_->exec_probe(id, argv, timeout);
  }

  std::uint64_t faults_injected() const { return injected_; }
  Driver& inner() { return *inner_; }

 private:
  enum Method { kStart, kStop, kForceStop, kList, kPoll, kMethods };
  bool due(Method m);                      // counts the call: whether it is faulted
  std::uint64_t draw(std::uint64_t n);     // uniform in [0, n), from the seeded PRNG
  void inject(const std::string& what);    // counts and logs one fault

  std::unique_ptr<Driver> inner_;
  DriverFaults faults_;
  std::function<void(std::string_view)> log_;
  std::mt19937_64 rng_;
  std::array<std::uint64_t, kMethods> calls_{};
  std::array<std::uint64_t, kMethods> offset_{};  // per method, so peers fault out of step
  std::uint64_t injected_ = 0;
};

// `make` with its driver wrapped in a FaultyDriver (for ExecutorOptions::make_driver).
std::function<std::unique_ptr<Driver>()> with_faults(
    std::function<std::unique_ptr<Driver>()> make, DriverFaults faults,
    std::function<void(std::string_view)> log);

}  // namespace shoal::runtime
