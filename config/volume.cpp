#include "config/volume.hpp"

#include <set>

namespace shoal::config {
namespace {

constexpr std::size_t kMaxName = 255;
constexpr std::size_t kMaxPath = 4096;  // PATH_MAX

bool name_char(char c, bool first) {
  const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  return alnum || (!first && (c == '_' || c == '.' || c == '-'));
}

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > kMaxName) return false;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!name_char(s[i], i == 0)) return false;
  return true;
}

}  // namespace

std::string path_problem(std::string_view path) {
  if (path.empty() || path[0] != '/') return "must be an absolute path";
  if (path.size() > kMaxPath) return "is longer than 4096 bytes";
  for (char c : path)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "holds a control character";
  if (!valid_utf8(path)) return "must be UTF-8 text";
  std::size_t at = 0;
  while (at <= path.size()) {
    const std::size_t end = std::min(path.find('/', at), path.size());
    if (path.substr(at, end - at) == "..") return "must not hold a `..` component";
    at = end + 1;
  }
  return {};
}

namespace {

// A target as the engine compares them: runs of '/' as one, no trailing '/'.
std::string cleaned(std::string_view path) {
  std::string out;
  for (char c : path)
    if (c != '/' || out.empty() || out.back() != '/') out += c;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

// The entry as text for messages, when it is printable and short.
std::string shown(const Volume& v) {
  const std::string text = v.to_string();
  if (text.size() > 200 || !valid_utf8(text)) return "";
  for (char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "";
  return " `" + text + "`";
}

}  // namespace

Volume parse_volume(std::string_view text) {
  Volume v;
  const std::size_t a = text.find(':');
  if (a == std::string_view::npos) {
    v.source = text;
    return v;
  }
  v.source = text.substr(0, a);
  const std::size_t b = text.find(':', a + 1);
  v.target = text.substr(a + 1, b == std::string_view::npos ? std::string_view::npos : b - a - 1);
  if (b != std::string_view::npos) v.options = text.substr(b + 1);
  return v;
}

std::vector<SpecIssue> check_volumes(const std::vector<Volume>& volumes) {
  std::vector<SpecIssue> out;
  if (volumes.size() > kMaxVolumes) {
    out.push_back({"volumes", "volumes: " + std::to_string(volumes.size()) +
                                  " volumes, more than " + std::to_string(kMaxVolumes)});
    return out;
  }
  std::set<std::string> targets;
  for (std::size_t i = 0; i < volumes.size(); ++i) {
    const Volume& v = volumes[i];
    const std::string f = "volumes[" + std::to_string(i) + "]";
    const std::string at = f + shown(v);
    auto fail = [&](const std::string& why) { out.push_back({f, at + ": " + why}); };
    if (v.target.empty()) {
      fail("must be SOURCE:TARGET[:ro|rw], e.g. \"data:/data\" or \"/srv/x:/x:ro\"");
      continue;
    }
    if (v.bind()) {
      if (std::string why = path_problem(v.source); !why.empty()) fail("the host path " + why);
    } else if (!valid_name(v.source)) {
      fail("the source must be a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 255 "
           "characters) or an absolute host path");
    }
    if (std::string why = path_problem(v.target); !why.empty()) {
      fail("the target " + why);
    } else if (v.target.find_first_not_of('/') == std::string::npos) {
      fail("the target must not be `/`");
    } else if (!targets.insert(cleaned(v.target)).second) {
      fail("the target " + v.target + " is used twice");
    }
    if (v.options != "" && v.options != "ro" && v.options != "rw")
      fail("the options must be `ro` or `rw`");
  }
  return out;
}

}  // namespace shoal::config
