#include "node/peer/spec_gate.hpp"

#include "config/utf8.hpp"

#include "node/peer/state_codec.hpp"

namespace shoal::node {

GatedSpec gate_spec(std::string_view key, std::string_view bytes,
                    const config::SpecLimits& limits) {
  constexpr std::string_view kPrefix = "spec/";
  GatedSpec out;
  auto spec = decode_spec(bytes);
  if (!spec) {
    out.error = "not a spec (malformed value)";
    return out;
  }
  if (key.substr(0, kPrefix.size()) != kPrefix || key.substr(kPrefix.size()) != spec->name) {
    out.error = "stored under `" + printable(key) + "` but names itself `" +
                printable(spec->name) + "`";
    return out;
  }
  out.error = config::validation_error(*spec, limits);
  if (out.error.empty()) out.spec = std::move(spec);
  return out;
}

std::vector<config::ServiceSpec> SpecGate::specs(const gossip::Store& store,
                                                 std::vector<InvalidSpec>* fresh) {
  std::vector<config::ServiceSpec> out;
  std::vector<InvalidSpec> invalid;
  Seen seen;
  for (const auto& [key, v] : store.versions_with_prefix("spec/")) {
    const gossip::Bytes* b = store.get(key);
    if (!b) continue;
    GatedSpec g =
        gate_spec(key, std::string_view(reinterpret_cast<const char*>(b->data()), b->size()),
                  limits_);
    if (g.spec) {
      out.push_back(std::move(*g.spec));
      continue;
    }
    InvalidSpec bad{printable(std::string_view(key).substr(5)), printable(v.origin), g.error};
    auto id = std::make_tuple(key, v.hlc, v.origin);
    if (!seen_.count(id)) {
      ++refused_;
      if (fresh) fresh->push_back(bad);
    }
    seen.insert(std::move(id));
    invalid.push_back(std::move(bad));
  }
  seen_ = std::move(seen);
  invalid_ = std::move(invalid);
  return out;
}

std::string printable(std::string_view text) {
  return config::replace_invalid_utf8(text, "?", 256);
}

}  // namespace shoal::node
