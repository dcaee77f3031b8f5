// Whether this peer's container engine (or process driver) answers, as the executor's worker
// last checked it (every 2 s): shown in /v1/status `runtime`, and while it fails the peer clears
// `schedulable` so placement moves its instances elsewhere.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "node/executor.hpp"

namespace shoal::node {

class RuntimeHealth {
 public:
  RuntimeHealth(std::string driver, std::string socket)
      : driver_(std::move(driver)), socket_(std::move(socket)) {}

  // The check of a report; true when the runtime came back (it was down, now answers).
  bool update(const ExecReport& r);
  bool available() const { return available_; }
  bool down() const { return checked_ && !available_; }  // checked, and does not answer
  const std::string& socket() const { return socket_; }  // docker: the engine socket in use
  // {"driver","available","checked"[,"socket"][,"error"]}
  nlohmann::json json() const;

 private:
  std::string driver_;
  std::string socket_;  // docker: the engine socket in use (detected, or the configured one)
  bool available_ = true;
  bool checked_ = false;
  std::string error_;
};

}  // namespace shoal::node
