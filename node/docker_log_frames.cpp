#include "node/docker_log_frames.hpp"

#include <chrono>

namespace shoal::node {

namespace {

constexpr std::size_t kHeader = 8;

std::uint32_t be32(std::string_view s) {
  auto b = [&](int i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

bool looks_multiplexed(std::string_view body) {
  return body.size() >= kHeader && static_cast<unsigned char>(body[0]) <= 2 && body[1] == 0 &&
         body[2] == 0 && body[3] == 0;
}

DockerFrames parse_docker_frames(std::string_view body) {
  DockerFrames out;
  std::size_t at = 0;
  while (at < body.size()) {
    if (body.size() - at < kHeader) {
      out.truncated = true;
      break;
    }
    const auto type = static_cast<unsigned char>(body[at]);
    if (type > 2 || body[at + 1] != 0 || body[at + 2] != 0 || body[at + 3] != 0) {
      out.error = "bad frame header at byte " + std::to_string(at);
      break;
    }
    const std::size_t announced = be32(body.substr(at + 4, 4));
    at += kHeader;
    const std::size_t have = std::min(announced, body.size() - at);  // only what arrived
    out.chunks.push_back({type == 2 ? 2 : 1, body.substr(at, have)});
    at += have;
    if (have < announced) out.truncated = true;
  }
  return out;
}

std::int64_t parse_rfc3339_ns(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (s.size() < 20 || !digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, mo) ||
      s[7] != '-' || !digits(s, 8, 2, d) || s[10] != 'T' || !digits(s, 11, 2, h) ||
      s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec))
    return -1;
  std::size_t at = 19;
  std::int64_t frac = 0;
  if (s[at] == '.') {
    std::size_t n = 0;
    for (++at; at < s.size() && s[at] >= '0' && s[at] <= '9'; ++at, ++n) {
      if (n >= 9) return -1;
      frac = frac * 10 + (s[at] - '0');
    }
    if (n == 0) return -1;
    for (; n < 9; ++n) frac *= 10;
  }
  if (at + 1 != s.size() || s[at] != 'Z') return -1;
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (y < 1970 || y > 9999 || !ymd.ok() || h > 23 || mi > 59 || sec > 60) return -1;
  const std::int64_t days_n = sys_days{ymd}.time_since_epoch().count();
  const std::int64_t secs = days_n * 86400 + h * 3600 + mi * 60 + sec;
  return secs * 1'000'000'000 + frac;
}

std::vector<StampedLine> docker_lines(const DockerFrames& frames) {
  std::vector<StampedLine> out;
  std::string pending[3];  // a line not yet ended, per stream
  auto emit = [&](int stream, std::string text) {
    StampedLine l;
    l.stream = stream;
    const auto sp = text.find(' ');
    const std::int64_t ns = sp == std::string::npos ? -1 : parse_rfc3339_ns(text.substr(0, sp));
    if (ns >= 0) {
      l.ts_ns = ns;
      l.ts_ms = ns / 1'000'000;
      text.erase(0, sp + 1);
    }
    if (!text.empty() && text.back() == '\r') text.pop_back();
    l.text = std::move(text);
    out.push_back(std::move(l));
  };
  for (const auto& c : frames.chunks) {
    std::string_view p = c.payload;
    for (auto nl = p.find('\n'); nl != std::string_view::npos; nl = p.find('\n')) {
      pending[c.stream].append(p.substr(0, nl));
      emit(c.stream, std::move(pending[c.stream]));
      pending[c.stream].clear();
      p.remove_prefix(nl + 1);
    }
    pending[c.stream].append(p);
  }
  for (int s : {1, 2})
    if (!pending[s].empty()) emit(s, std::move(pending[s]));
  return out;
}

}  // namespace shoal::node
