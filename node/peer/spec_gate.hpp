// The gate every spec/<name> value of the replicated state passes before anything uses it: it
// must decode, be stored under its own name, and pass config's validator (the same one as
// service files). A refused spec is never placed; it is listed (with its writer and why) for
// `shoal status`. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <tuple>
#include <string>
#include <string_view>
#include <vector>

#include "config/spec.hpp"
#include "config/validate_spec.hpp"
#include "gossip/store.hpp"

namespace shoal::node {

struct InvalidSpec {
  std::string service;  // the key's name part (printable: bytes that are not UTF-8 replaced)
  std::string origin;   // the peer that wrote the entry
  std::string error;
};

struct GatedSpec {
  std::optional<config::ServiceSpec> spec;  // set when accepted
  std::string error;                         // why not, otherwise
};

// `key` is the store key ("spec/web"), `bytes` its value.
GatedSpec gate_spec(std::string_view key, std::string_view bytes,
                    const config::SpecLimits& limits = {});

// Every live spec/ entry of a store through gate_spec, remembering the refused ones.
class SpecGate {
 public:
  explicit SpecGate(config::SpecLimits limits = {}) : limits_(limits) {}
  // The accepted specs, sorted by name. Refreshes invalid(); `fresh` (if given) receives the
  // entries refused now that were not refused at the previous call (for a log line).
  std::vector<config::ServiceSpec> specs(const gossip::Store& store,
                                         std::vector<InvalidSpec>* fresh = nullptr);
  const std::vector<InvalidSpec>& invalid() const { return invalid_; }
  std::uint64_t refused() const { return refused_; }  // distinct entries refused, ever

 private:
  using Seen = std::set<std::tuple<std::string, std::uint64_t, std::string>>;
  config::SpecLimits limits_;
  std::vector<InvalidSpec> invalid_;
  Seen seen_;  // (key, hlc, origin) of the entries refused at the last call
  std::uint64_t refused_ = 0;
};

// `text` with every byte that is not part of valid UTF-8 replaced by '?', at most 256 bytes:
// for names from the wire shown in logs and JSON.
std::string printable(std::string_view text);

}  // namespace shoal::node
