#include "node/local_logs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "node/peer/json_text.hpp"

#include "node/docker_log_frames.hpp"
#include "node/runtime/docker_api.hpp"
#include "node/runtime/log_stamp.hpp"

namespace shoal::node {

namespace {

struct FileInfo {
  std::string path;
  std::uint64_t ino = 0;
  std::int64_t size = 0;
  std::int64_t mtime_ms = 0;
};

std::optional<FileInfo> stat_file(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return FileInfo{path, static_cast<std::uint64_t>(st.st_ino), static_cast<std::int64_t>(st.st_size),
                  static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000};
}

// Bytes [from, to) of `path`, at most `cap` of them (the last ones).
std::string read_range(const std::string& path, std::int64_t from, std::int64_t to,
                       std::int64_t cap) {
  if (to - from > cap) from = to - cap;
  std::string out;
  if (to <= from) return out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return out;
  out.resize(static_cast<std::size_t>(to - from));
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::pread(fd, out.data() + got, out.size() - got, from + got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

// The lines of `text` (bytes of one file) into `r`: each with the time its supervisor stamped
// it (node/runtime/log_stamp.hpp), else the file's last write `ms`; lines stamped before
// `not_before_ms` left out. With `hold_partial` (the live file) a stamped last line still
// without its newline is left for the next read (the supervisor ends it: at its newline, when
// cut at 16 KiB, or when the instance ends); returns how many bytes at the end were left.
std::size_t split_into(const std::string& text, std::int64_t ms, std::int64_t not_before_ms,
                       bool hold_partial, StreamRead& r) {
  std::size_t at = 0;
  while (at < text.size()) {
    auto nl = text.find('\n', at);
    const bool partial = nl == std::string::npos;
    if (partial) nl = text.size();
    std::string_view line(text.data() + at, nl - at);
    std::int64_t line_ms = ms;
    if (auto ns = runtime::parse_log_stamp(line)) {
      if (partial && hold_partial) return text.size() - at;
      line_ms = *ns / 1'000'000;
      line.remove_prefix(runtime::kLogStampBytes);
    }
    if (line_ms >= not_before_ms) {
      r.lines.emplace_back(line);
      r.line_ms.push_back(line_ms);
    }
    at = nl + 1;
  }
  return 0;
}

// "<ino>.<offset>" -> (ino, offset)
std::optional<std::pair<std::uint64_t, std::int64_t>> parse_position(const std::string& p) {
  const auto dot = p.find('.');
  if (dot == std::string::npos) return std::nullopt;
  std::uint64_t ino = 0;
  std::int64_t off = 0;
  auto a = std::from_chars(p.data(), p.data() + dot, ino);
  auto b = std::from_chars(p.data() + dot + 1, p.data() + p.size(), off);
  if (a.ec != std::errc() || a.ptr != p.data() + dot || b.ec != std::errc() ||
      b.ptr != p.data() + p.size() || off < 0)
    return std::nullopt;
  return std::pair{ino, off};
}

}  // namespace

StreamRead read_process_stream(const std::string& base, const std::string& position, int tail,
                               std::int64_t not_before_ms) {
  StreamRead r;
  std::vector<FileInfo> files;  // oldest first; the live one last
  for (int i = 9; i >= 1; --i)
    if (auto f = stat_file(base + "." + std::to_string(i))) files.push_back(*f);
  auto live = stat_file(base);
  if (live) files.push_back(*live);
  if (files.empty()) return r;
  // Where to start in each file: from a cursor, only after its position.
  std::vector<std::int64_t> from(files.size(), 0);
  if (auto pos = parse_position(position)) {
    std::size_t at = files.size();
    for (std::size_t i = 0; i < files.size(); ++i)
      if (files[i].ino == pos->first) at = i;
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (at == files.size()) break;  // the file is gone (rotated away): read what is there
      if (i < at) from[i] = files[i].size;
      if (i == at) from[i] = pos->second <= files[i].size ? pos->second : 0;  // truncated: anew
    }
  }
  std::int64_t budget = kMaxLogReadBytes;
  std::vector<std::string> texts(files.size());
  for (std::size_t i = files.size(); i-- > 0 && budget > 0;) {  // newest first, within budget
    if (files[i].mtime_ms < not_before_ms) break;
    texts[i] = read_range(files[i].path, from[i], files[i].size, budget);
    budget -= static_cast<std::int64_t>(texts[i].size());
  }
  std::size_t held = 0;  // bytes at the live file's end left for the next read
  for (std::size_t i = 0; i < files.size(); ++i)
    held = split_into(texts[i], files[i].mtime_ms, not_before_ms,
                      live && i + 1 == files.size(), r);
  if (r.lines.size() > static_cast<std::size_t>(tail)) {
    const auto cut = r.lines.size() - static_cast<std::size_t>(tail);
    r.lines.erase(r.lines.begin(), r.lines.begin() + static_cast<std::ptrdiff_t>(cut));
    r.line_ms.erase(r.line_ms.begin(), r.line_ms.begin() + static_cast<std::ptrdiff_t>(cut));
  }
  if (live) {
    r.mtime_ms = live->mtime_ms;
    r.position = std::to_string(live->ino) + "." +
                 std::to_string(live->size - static_cast<std::int64_t>(held));
  }
  return r;
}

namespace {

void read_process(const LocalLogsSetup& s, const LogsRequest& req, std::int64_t now_ms,
                  LogsResponse& out) {
  // Which indexes have log files: the asked one, or every <service>-<n>.out in logs/.
  std::vector<int> indexes;
  if (req.index) {
    indexes.push_back(*req.index);
  } else {
    std::error_code ec;
    const std::string prefix = req.service + "-";
    for (auto it = std::filesystem::directory_iterator(s.data_dir + "/logs", ec);
         !ec && it != std::filesystem::directory_iterator() && indexes.size() < 1000;
         it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.rfind(prefix, 0) != 0) continue;
      const auto dot = name.find('.', prefix.size());
      if (dot == std::string::npos || (name.substr(dot) != ".out" && name.substr(dot) != ".err"))
        continue;
      int i = -1;
      auto [p, e] = std::from_chars(name.data() + prefix.size(), name.data() + dot, i);
      if (e == std::errc() && p == name.data() + dot && i >= 0) indexes.push_back(i);
    }
    std::sort(indexes.begin(), indexes.end());
    indexes.erase(std::unique(indexes.begin(), indexes.end()), indexes.end());
  }
  const std::int64_t not_before = req.since_ms > 0 ? now_ms - req.since_ms : 0;
  for (int idx : indexes) {
    for (const char* stream : {"stdout", "stderr"}) {
      const std::string source = req.service + "/" + std::to_string(idx) + "/" + stream;
      const std::string base = s.data_dir + "/logs/" + req.service + "-" + std::to_string(idx) +
                               (std::string(stream) == "stdout" ? ".out" : ".err");
      auto c = req.cursor.find(source);
      StreamRead r = read_process_stream(base, c == req.cursor.end() ? "" : c->second, req.tail,
                                         not_before);
      if (!r.position.empty()) out.cursor[source] = r.position;
      for (std::size_t i = 0; i < r.lines.size(); ++i)
        out.lines.push_back(LogLine{r.line_ms[i], req.service, idx, s.peer, stream,
                                    safe_utf8(r.lines[i])});
    }
  }
}

// Where a container's stream was read up to: lines up to time `ns`, the last `at` of them
// stamped exactly `ns` (Podman stamps by the second: many lines share one time). Cursor text
// "<ns>:<at>"; none: {-1, 0}.
struct DockerPos {
  std::int64_t ns = -1;
  std::int64_t at = 0;
};

DockerPos docker_pos(const LogsRequest& req, const std::string& source) {
  auto cur = req.cursor.find(source);
  if (cur == req.cursor.end()) return {};
  const std::string& t = cur->second;
  const auto colon = t.find(':');
  if (colon == std::string::npos) return {};
  DockerPos p;
  auto a = std::from_chars(t.data(), t.data() + colon, p.ns);
  auto b = std::from_chars(t.data() + colon + 1, t.data() + t.size(), p.at);
  if (a.ec != std::errc() || a.ptr != t.data() + colon || b.ec != std::errc() ||
      b.ptr != t.data() + t.size() || p.ns < 0 || p.at < 0)
    return {};
  return p;
}

// One container's log stream (live, or saved when it ended): its lines after `after`, within
// since and tail; the source's new cursor.
void add_docker_lines(const std::string& body, const std::string& source, int idx,
                      const LogsRequest& req, std::int64_t now_ms, DockerPos after,
                      const std::string& peer, LogsResponse& out) {
  DockerFrames frames;
  if (looks_multiplexed(body)) frames = parse_docker_frames(body);
  else frames.chunks.push_back({1, body});  // a TTY: the raw output
  std::vector<StampedLine> lines = docker_lines(frames);
  if (lines.size() > static_cast<std::size_t>(req.tail))
    lines.erase(lines.begin(), lines.end() - req.tail);
  DockerPos last = after;
  std::int64_t skip = after.at;
  for (auto& l : lines) {
    if (after.ns >= 0 && l.ts_ns < after.ns) continue;
    if (after.ns >= 0 && l.ts_ns == after.ns && skip > 0) {
      --skip;
      continue;
    }
    if (req.since_ms > 0 && l.ts_ms > 0 && l.ts_ms < now_ms - req.since_ms) continue;
    if (l.ts_ns > last.ns) last = {l.ts_ns, 1};
    else if (l.ts_ns == last.ns) ++last.at;
    out.lines.push_back(LogLine{l.ts_ms, req.service, idx, peer,
                                l.stream == 2 ? "stderr" : "stdout", safe_utf8(l.text)});
  }
  if (last.ns > 0) out.cursor[source] = std::to_string(last.ns) + ":" + std::to_string(last.at);
}

// The copies of ended containers' logs (node/runtime/saved_logs.hpp):
// <service>-<index>.<short id>.docker, parsed as hostile input like the live stream.
void read_saved(const LocalLogsSetup& s, const LogsRequest& req, std::int64_t now_ms,
                const std::set<std::string>& shown, LogsResponse& out) {
  std::error_code ec;
  const std::string prefix = req.service + "-";
  for (auto it = std::filesystem::directory_iterator(s.data_dir + "/logs", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(prefix, 0) != 0 || name.size() < prefix.size() + 7 ||
        name.compare(name.size() - 7, 7, ".docker") != 0)
      continue;
    const auto dot = name.find('.', prefix.size());
    int idx = -1;
    auto [p, e] = std::from_chars(name.data() + prefix.size(), name.data() + dot, idx);
    if (e != std::errc() || p != name.data() + dot || idx < 0 || (req.index && idx != *req.index))
      continue;
    const std::string short_id = name.substr(dot + 1, name.size() - 7 - dot - 1);
    if (short_id.empty() || shown.count(short_id)) continue;
    auto f = stat_file(it->path().string());
    if (!f || f->size > kMaxSavedLogFileBytes) continue;
    if (req.since_ms > 0 && f->mtime_ms < now_ms - req.since_ms) continue;
    const std::string source = req.service + "/" + std::to_string(idx) + "/" + short_id;
    add_docker_lines(read_range(f->path, 0, f->size, f->size), source, idx, req, now_ms,
                     docker_pos(req, source), s.peer, out);
  }
}

void read_docker(const LocalLogsSetup& s, const LogsRequest& req, std::int64_t now_ms,
                 LogsResponse& out) {
  using Json = nlohmann::json;
  runtime::DockerApi api(s.socket, 5000);
  Json labels = Json::array({"shoal.peer=" + s.peer, "shoal.service=" + req.service});
  if (req.index) labels.push_back("shoal.index=" + std::to_string(*req.index));
  auto list = api.request("GET", "/containers/json?all=true&filters=" +
                                     runtime::url_encode(json_text(Json{{"label", labels}})));
  if (!list.ok() || list.value().status != 200) {  // the saved copies are still read
    out.error = list.ok() ? runtime::engine_message(list.value()) : list.error().message;
    read_saved(s, req, now_ms, {}, out);
    return;
  }
  Json arr = Json::parse(list.value().body, nullptr, false);
  if (!arr.is_array()) arr = Json::array();
  std::set<std::string> shown;  // short ids of the containers read live
  for (const auto& c : arr) {
    if (!c.is_object() || !c.contains("Id") || !c["Id"].is_string()) continue;
    const std::string id = c["Id"].get<std::string>();
    int idx = req.index.value_or(0);
    if (c.contains("Labels") && c["Labels"].is_object() && c["Labels"].contains("shoal.index") &&
        c["Labels"]["shoal.index"].is_string()) {
      const auto& t = c["Labels"]["shoal.index"].get_ref<const std::string&>();
      std::from_chars(t.data(), t.data() + t.size(), idx);
    }
    const std::string source = req.service + "/" + std::to_string(idx) + "/" + id.substr(0, 12);
    const DockerPos after = docker_pos(req, source);
    std::string target = "/containers/" + runtime::url_encode(id) +
                         "/logs?stdout=1&stderr=1&timestamps=1&tail=" + std::to_string(req.tail);
    std::int64_t since_s = req.since_ms > 0 ? (now_ms - req.since_ms) / 1000 : 0;
    if (after.ns > 0) since_s = std::max(since_s, after.ns / 1'000'000'000);
    if (since_s > 0) target += "&since=" + std::to_string(since_s);
    auto got = api.request("GET", target);
    if (!got.ok() || got.value().status != 200) {
      out.error = got.ok() ? runtime::engine_message(got.value()) : got.error().message;
      continue;
    }
    shown.insert(id.substr(0, 12));
    add_docker_lines(got.value().body, source, idx, req, now_ms, after, s.peer, out);
  }
  read_saved(s, req, now_ms, shown, out);
}

}  // namespace

LogsResponse read_local_logs(const LocalLogsSetup& setup, const LogsRequest& req,
                             std::int64_t now_ms) {
  LogsResponse out;
  out.id = req.id;
  if (setup.driver == "docker") read_docker(setup, req, now_ms, out);
  else read_process(setup, req, now_ms, out);
  std::stable_sort(out.lines.begin(), out.lines.end(),
                   [](const LogLine& a, const LogLine& b) { return a.ts_ms < b.ts_ms; });
  return out;
}

}  // namespace shoal::node
