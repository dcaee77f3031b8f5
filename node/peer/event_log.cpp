#include "node/peer/event_log.hpp"

#include <algorithm>
#include <chrono>
#include <map>

#include "placement/instance_state.hpp"

namespace shoal::node {

namespace {

// Cut to at most kMaxFieldBytes, never inside a UTF-8 sequence (its continuation bytes are
// 10xxxxxx): what is kept stays valid if the whole was.
void cut(std::string& s) {
  if (s.size() <= EventLog::kMaxFieldBytes) return;
  std::size_t n = EventLog::kMaxFieldBytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
  s.resize(n);
}

}  // namespace

void EventLog::record(PeerEvent e) {
  if (capacity_ == 0) return;
  if (events_.size() == capacity_) events_.pop_front();
  e.seq = next_seq_++;
  for (std::string* s : {&e.kind, &e.peer, &e.service, &e.reason}) cut(*s);
  events_.push_back(std::move(e));
}

std::vector<PeerEvent> EventLog::after(std::uint64_t after, std::size_t limit) const {
  // Seqs are consecutive in the ring: the first one past `after` is at a known offset.
  std::vector<PeerEvent> out;
  if (events_.empty() || after >= last_seq()) return out;
  const std::uint64_t first = std::max(after + 1, oldest_seq());
  for (auto it = events_.begin() + static_cast<std::ptrdiff_t>(first - oldest_seq());
       it != events_.end() && out.size() < limit; ++it)
    out.push_back(*it);
  return out;
}

std::vector<PeerEvent> instance_events(const placement::PeerStatus& before,
                                       const placement::PeerStatus& now, const std::string& peer,
                                       std::int64_t time_ms) {
  using placement::InstanceState;
  std::map<placement::InstanceId, PeerEvent> out;
  std::map<placement::InstanceId, InstanceState> was;
  for (const auto& i : before.instances) was[i.id] = i.state;
  for (const auto& i : now.instances) {
    const auto it = was.find(i.id);
    const bool same = it != was.end() && it->second == i.state;
    if (it != was.end()) was.erase(it);
    if (same) continue;
    std::string reason;
    if (placement::is_dead(i.state))
      reason = "exit code " + std::to_string(i.exit_code) + ", " + std::to_string(i.restarts) +
               " restart(s)";
    out[i.id] = PeerEvent{0, time_ms, "instance." + std::string(placement::to_string(i.state)),
                          peer, i.id.service, i.id.index, std::move(reason)};
  }
  for (const auto& [id, state] : was)
    out[id] = PeerEvent{0, time_ms, "instance.gone", peer, id.service, id.index, ""};
  std::vector<PeerEvent> list;
  for (auto& [id, e] : out) list.push_back(std::move(e));
  for (const auto& s : now.shed) {  // host.shed, once as each service starts being shed
    const bool was_shed = std::any_of(before.shed.begin(), before.shed.end(),
                                      [&](const auto& b) { return b.service == s.service; });
    if (was_shed) continue;
    std::string reason = std::to_string(s.failures) +
                         " health-check failure(s) here within reschedule.interval while "
                         "healthy on other peers";
    reason += s.host ? "; two or more services fail here: the host sheds each of them"
                     : ": its instances here move to other peers";
    list.push_back(PeerEvent{0, time_ms, "host.shed", peer, s.service, -1, std::move(reason)});
  }
  return list;
}

namespace {

// `v` in decimal, zero-padded to `width` digits.
std::string padded(long long v, int width) {
  std::string s = std::to_string(v);
  return s.size() < static_cast<std::size_t>(width) ? std::string(width - s.size(), '0') + s : s;
}

}  // namespace

std::string utc_timestamp(std::int64_t time_ms) {
  using namespace std::chrono;
  const auto day_ms = std::int64_t{86'400'000};
  std::int64_t days_n = time_ms / day_ms;  // rounded down, without negating (INT64_MIN)
  if (time_ms % day_ms < 0) --days_n;
  if (days_n < -3'000'000 || days_n > 3'000'000) return "-";  // beyond years 0..10000
  const std::int64_t rest = time_ms - days_n * day_ms;  // 0 .. day_ms - 1
  const year_month_day ymd{sys_days{days{days_n}}};
  if (!ymd.ok()) return "-";
  return padded(static_cast<int>(ymd.year()), 4) + "-" +
         padded(static_cast<unsigned>(ymd.month()), 2) + "-" +
         padded(static_cast<unsigned>(ymd.day()), 2) + "T" + padded(rest / 3'600'000, 2) + ":" +
         padded(rest / 60'000 % 60, 2) + ":" + padded(rest / 1000 % 60, 2) + "." +
         padded(rest % 1000, 3) + "Z";
}

nlohmann::json event_json(const PeerEvent& e) {
  using J = nlohmann::json;
  return {{"seq", e.seq},
          {"ts", utc_timestamp(e.time_ms)},
          {"kind", e.kind},
          {"peer", e.peer},
          {"service", e.service.empty() ? J() : J(e.service)},
          {"index", e.index < 0 ? J() : J(e.index)},
          {"reason", e.reason}};
}

nlohmann::json events_answer(const EventLog& log, std::uint64_t after, const std::string& seen_by) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : log.after(after)) list.push_back(event_json(e));
  return {{"seen_by", seen_by},
          {"index", log.last_seq()},
          {"oldest", log.oldest_seq()},
          {"events", std::move(list)}};
}

std::optional<PeerEvent> gossip_event(const gossip::Event& e, const gossip::Store& store,
                                      std::int64_t time_ms) {
  using K = gossip::EventKind;
  switch (e.kind) {
    case K::state_changed: {
      if (e.name.rfind("spec/", 0) != 0) return std::nullopt;
      const gossip::Entry* entry = store.find(e.name);
      if (entry == nullptr) return std::nullopt;
      return PeerEvent{0, time_ms, entry->deleted ? "spec.deleted" : "spec.changed",
                       entry->version.origin, e.name.substr(5), -1, {}};
    }
    case K::join_succeeded:
    case K::member_updated:
      return std::nullopt;
    case K::name_conflict:
      return PeerEvent{0, time_ms, "member.name_conflict", e.name, {}, -1,
                       "claimed by " + e.addr.to_string()};
    default:
      return PeerEvent{0, time_ms, std::string("member.") + gossip::to_string(e.kind), e.name, {},
                       -1, e.from.empty() ? std::string() : "reported by " + e.from};
  }
}

}  // namespace shoal::node
