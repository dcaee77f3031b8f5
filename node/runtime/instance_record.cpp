#include "node/runtime/instance_record.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace shoal::runtime {
namespace {

std::string escape(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string unescape(std::string_view v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) {
      ++i;
      out += v[i] == 'n' ? '\n' : v[i];
    } else {
      out += v[i];
    }
  }
  return out;
}

template <class T>
bool parse_num(std::string_view s, T* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

const char* state_name(InstanceRecord::State s) {
  return s == InstanceRecord::State::running ? "running" : "exited";
}

}  // namespace

std::string encode_record_static(const InstanceRecord& r) {
  std::ostringstream o;
  o << "shoal-instance=1\n"
    << "id=" << escape(r.id) << "\n"
    << "peer=" << escape(r.labels.peer) << "\n"
    << "service=" << escape(r.labels.service) << "\n"
    << "index=" << r.labels.index << "\n"
    << "spec=" << escape(r.labels.spec_hash) << "\n";
  for (const auto& p : r.ports)
    o << "port=" << escape(p.name) << " " << p.container << " " << p.host << "\n";
  o << "stop_grace_ms=" << r.stop_grace << "\n"
    << "started_at_ms=" << r.started_at << "\n";
  return o.str();
}

std::string encode_record(const InstanceRecord& r) {
  std::ostringstream o;
  o << encode_record_static(r) << "supervisor_pid=" << r.supervisor_pid << "\n"
    << "supervisor_start=" << r.supervisor_start << "\n"
    << "pid=" << r.pid << "\n"
    << "pgid=" << r.pgid << "\n"
    << "start_time=" << r.start_time << "\n"
    << "state=" << state_name(r.state) << "\n";
  if (r.state == InstanceRecord::State::exited) {
    o << "reason=" << to_string(r.reason) << "\n"
      << "exit_code=" << r.exit_code << "\n"
      << "signal=" << r.signal << "\n"
      << "ended_at_ms=" << r.ended_at << "\n";
  }
  return o.str();
}

Result<InstanceRecord> decode_record(std::string_view text) {
  InstanceRecord r;
  bool magic = false, have_state = false;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty()) continue;
    auto eq = line.find('=');
    if (eq == std::string_view::npos)
      return Error{"line " + std::to_string(line_no) + ": expected key=value"};
    std::string_view key = line.substr(0, eq), val = line.substr(eq + 1);
    bool ok = true;
    if (key == "shoal-instance") {
      magic = val == "1";
      ok = magic;
    } else if (key == "id") {
      r.id = unescape(val);
    } else if (key == "peer") {
      r.labels.peer = unescape(val);
    } else if (key == "service") {
      r.labels.service = unescape(val);
    } else if (key == "index") {
      ok = parse_num(val, &r.labels.index);
    } else if (key == "spec") {
      r.labels.spec_hash = unescape(val);
    } else if (key == "port") {
      auto s1 = val.find(' ');
      auto s2 = s1 == std::string_view::npos ? s1 : val.find(' ', s1 + 1);
      HostPort p;
      ok = s2 != std::string_view::npos &&
           parse_num(val.substr(s1 + 1, s2 - s1 - 1), &p.container) &&
           parse_num(val.substr(s2 + 1), &p.host);
      p.name = unescape(val.substr(0, s1));
      r.ports.push_back(std::move(p));
    } else if (key == "stop_grace_ms") {
      ok = parse_num(val, &r.stop_grace);
    } else if (key == "started_at_ms") {
      ok = parse_num(val, &r.started_at);
    } else if (key == "supervisor_pid") {
      ok = parse_num(val, &r.supervisor_pid);
    } else if (key == "supervisor_start") {
      ok = parse_num(val, &r.supervisor_start);
    } else if (key == "pid") {
      ok = parse_num(val, &r.pid);
    } else if (key == "pgid") {
      ok = parse_num(val, &r.pgid);
    } else if (key == "start_time") {
      ok = parse_num(val, &r.start_time);
    } else if (key == "state") {
      have_state = true;
      if (val == "running") r.state = InstanceRecord::State::running;
      else if (val == "exited") r.state = InstanceRecord::State::exited;
      else ok = false;
    } else if (key == "reason") {
      if (val == "exited") r.reason = Exit::Reason::exited;
      else if (val == "stopped") r.reason = Exit::Reason::stopped;
      else if (val == "orphaned") r.reason = Exit::Reason::orphaned;
      else if (val == "lost") r.reason = Exit::Reason::lost;
      else ok = false;
    } else if (key == "exit_code") {
      ok = parse_num(val, &r.exit_code);
    } else if (key == "signal") {
      ok = parse_num(val, &r.signal);
    } else if (key == "ended_at_ms") {
      ok = parse_num(val, &r.ended_at);
    } else if (key == "oom_kills") {
      ok = parse_num(val, &r.oom_kills);
    }  // unknown keys: written by a newer version; ignored
    if (!ok)
      return Error{"line " + std::to_string(line_no) + ": bad value for '" + std::string(key) +
                   "'"};
  }
  if (!magic) return Error{"not an instance record (no shoal-instance=1)"};
  if (!have_state) return Error{"incomplete instance record (no state)"};
  return r;
}

Result<InstanceRecord> read_record(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": cannot open: " + std::strerror(errno)};
  std::ostringstream s;
  s << in.rdbuf();
  auto r = decode_record(s.str());
  if (!r) return Error{path + ": " + r.error().message};
  return r;
}

Status write_file_atomic(const std::string& path, std::string_view content) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error{tmp + ": " + std::strerror(errno)};
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return Error{tmp + ": write: " + std::strerror(e)};
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return Error{tmp + ": " + std::strerror(errno)};
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return Error{path + ": rename: " + std::strerror(errno)};
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

}  // namespace shoal::runtime
