#include "node/peer_identity.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "node/persist.hpp"

namespace shoal::node {

namespace {

// The peer file's rule for `name` (config/peer_file.cpp): 1..63 of [A-Za-z0-9_.-].
std::string check_name(const std::string& s) {
  if (s.empty()) return "it is empty";
  if (s.size() > 63) return "the name in it is longer than 63 characters";
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return "a name may only contain letters, digits, '_', '-' and '.'";
  }
  return "";
}

}  // namespace

std::string name_file_path(const std::string& data_dir) { return data_dir + "/name"; }

NameFile read_name_file(const std::string& path) {
  NameFile f;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return f;
    f.kind = NameFile::Kind::damaged;
    f.why = std::string("cannot open it: ") + std::strerror(errno);
    return f;
  }
  std::string buf(kNameFileMax + 1, '\0');
  std::size_t got = 0;
  while (got < buf.size()) {
    const ssize_t n = ::read(fd, buf.data() + got, buf.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      f.kind = NameFile::Kind::damaged;
      f.why = std::string("cannot read it: ") + std::strerror(errno);
      ::close(fd);
      return f;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  buf.resize(got);
  f.kind = NameFile::Kind::damaged;
  if (got > kNameFileMax) {
    f.why = "it is larger than " + std::to_string(kNameFileMax) + " bytes";
    return f;
  }
  if (!buf.empty() && buf.back() == '\n') buf.pop_back();
  if (std::string why = check_name(buf); !why.empty()) {
    f.why = why;
    return f;
  }
  f.kind = NameFile::Kind::ok;
  f.name = std::move(buf);
  return f;
}

IdentityDecision decide_identity(const NameFile& file, const std::string& path,
                                 const std::string& name, bool rename) {
  IdentityDecision d;
  switch (file.kind) {
    case NameFile::Kind::missing:
      d.write = true;
      d.note = "first start under the name `" + name + "`: recorded in " + path;
      return d;
    case NameFile::Kind::damaged:
      if (rename) {
        d.write = true;
        d.note = path + " was damaged (" + file.why + "): replaced with `" + name +
                 "` (--rename); instances of other names are reported, not taken over";
        return d;
      }
      d.error = path + " is damaged (" + file.why + "): it holds the name this peer's instances "
                "are labelled with. Restore it, or start with `shoal agent --rename` to "
                "record `" + name + "` (instances of any other name are then reported as foreign)";
      return d;
    case NameFile::Kind::ok:
      break;
  }
  if (file.name == name) return d;
  if (!rename) {
    d.error = "this peer ran as `" + file.name + "` (recorded in " + path +
              ") and now starts as `" + name + "` (peer file `name`, else the host name). "
              "Set `name = \"" + file.name + "\"` in the peer file to keep the old name, or start "
              "with `shoal agent --rename` to run as `" + name + "` and take over the instances "
              "of `" + file.name + "` (they are stopped and started afresh as `" + name + "`)";
    return d;
  }
  d.write = true;
  d.old_name = file.name;
  d.note = "renamed: `" + file.name + "` -> `" + name + "` (--rename)";
  return d;
}

std::string write_name_file(const std::string& path, const std::string& name) {
  return write_file_atomic(path, name + "\n", FileMode::private_file);
}

}  // namespace shoal::node
