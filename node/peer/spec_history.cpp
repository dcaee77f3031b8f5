#include "node/peer/spec_history.hpp"

#include <nlohmann/json.hpp>

#include "gossip/bytes.hpp"
#include "gossip/hlc.hpp"
#include "node/peer/json_int.hpp"
#include "node/peer/json_text.hpp"
#include "node/peer/state_codec.hpp"
#include "placement/spec_hash.hpp"

namespace shoal::node {

using J = nlohmann::json;

namespace {

// Bounds on what a record read from the wire may hold (a longer text refuses the record).
constexpr std::size_t kMaxText = 128;

std::optional<HistoryEntry> read_entry(const J& e) {
  if (!e.is_array() || e.size() != 5) return std::nullopt;
  auto v = json_int<int>(e[0]);
  auto t = json_int<std::int64_t>(e[2]);
  if (!v || *v < 1 || *v > 1'000'000'000 || !t || !e[1].is_string() || !e[3].is_string() || !e[4].is_string()) return std::nullopt;
  HistoryEntry h{*v, e[1].get<std::string>(), *t, e[3].get<std::string>(), e[4].get<std::string>()};
  if (h.spec_hash.size() > kMaxText || h.origin.size() > kMaxText || h.outcome.size() > kMaxText)
    return std::nullopt;
  return h;
}

}  // namespace

std::string spec_hash_of(std::string_view bytes) {
  auto s = decode_spec(bytes);
  return s ? placement::spec_hash(*s) : std::string();
}

SpecRecord read_record(std::string_view value) {
  try {
    const J j = J::parse(value);
    if (!j.is_object()) return {};
    SpecRecord r;
    if (auto g = j.find("last_good"); g != j.end()) {
      if (!g->is_object()) return {};
      r.last_good = json_text(*g);
      r.good_version = json_int_at<int>(j, "good_version").value_or(0);
    }
    if (auto h = j.find("history"); h != j.end()) {
      if (!h->is_array() || h->size() > kHistoryMax) return {};
      for (const auto& e : *h) {
        auto entry = read_entry(e);
        if (!entry) return {};
        r.history.push_back(std::move(*entry));
      }
    }
    r.revert_of = json_int_at<int>(j, "revert_of");
    return r;
  } catch (const std::exception&) {
    return {};
  }
}

std::string with_record(std::string_view encoded, const SpecRecord& r) {
  J j = J::parse(encoded);
  if (r.last_good) {
    j["last_good"] = J::parse(*r.last_good);
    j["good_version"] = r.good_version;
  }
  J h = J::array();
  for (const auto& e : r.history)
    h.push_back(J::array({e.version, e.spec_hash, e.time_ms, e.origin, e.outcome}));
  if (!r.history.empty()) j["history"] = std::move(h);
  if (r.revert_of) j["revert_of"] = *r.revert_of;
  return json_text(j);
}

SpecRecord next_record(const CurrentValue& current, const std::string& next_hash,
                       std::int64_t now_ms, const std::string& self) {
  SpecRecord out;
  if (current.bytes.empty()) {
    out.history.push_back({1, next_hash, now_ms, self, ""});
    return out;
  }
  const SpecRecord was = read_record(current.bytes);
  out.last_good = was.last_good;
  out.good_version = was.good_version;
  out.history = was.history;
  const std::string hash = spec_hash_of(current.bytes);
  // A value written before records existed (an older peer): its version gets an entry now.
  if (out.history.empty() || out.history.back().spec_hash != hash)
    out.history.push_back({out.history.empty() ? 1 : out.history.back().version + 1, hash,
                           current.time_ms, current.origin, ""});
  HistoryEntry& now = out.history.back();
  // Not promoted is not healthy: a version replaced while its canaries waited never becomes
  // last_good.
  now.outcome = current.outcome == "rolling" || current.outcome == "awaiting_promotion" ||
                        current.outcome.empty()
                    ? "replaced"
                    : current.outcome;
  if (current.outcome == "healthy") {
    // The spec alone: a record inside last_good would nest without bound.
    if (auto s = decode_spec(current.bytes)) {
      out.last_good = encode_spec(*s);
      out.good_version = now.version;
    }
  }
  const int next_version = now.version + 1;
  if (hash == next_hash) {
    // The same spec again (e.g. a revert to what runs): one entry, live again.
    now.outcome.clear();
  } else {
    out.history.push_back({next_version, next_hash, now_ms, self, ""});
  }
  while (out.history.size() > kHistoryMax) out.history.erase(out.history.begin());
  return out;
}

CurrentValue current_value(const gossip::Entry* e, std::string outcome) {
  CurrentValue c;
  if (e == nullptr || e->deleted) return c;
  c.bytes = std::string_view(reinterpret_cast<const char*>(e->value.data()), e->value.size());
  c.time_ms = gossip::Hlc::physical_us(e->version.hlc) / 1000;
  c.origin = e->version.origin;
  c.outcome = std::move(outcome);
  return c;
}

std::string spec_value(std::string_view encoded, const CurrentValue& current, std::int64_t now_ms,
                       const std::string& self, std::optional<int> revert_of) {
  auto spec = decode_spec(encoded);
  SpecRecord r = next_record(current, spec ? placement::spec_hash(*spec) : std::string(), now_ms, self);
  r.revert_of = revert_of;
  return with_record(encoded, r);
}

}  // namespace shoal::node
