// The compose file as a whole: bytes checked (size, UTF-8), YAML parsed, top-level keys
// reported, each service read, named and checked by Shoal's own service-file parser.
#include "node/convert/compose.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>

#include <yaml-cpp/depthguard.h>

#include "config/parse.hpp"
#include "config/units.hpp"
#include "node/convert/compose_parts.hpp"

namespace shoal::convert {
namespace {

// The offset of the first byte that is not well-formed UTF-8 (or is NUL), or npos.
std::size_t first_bad_byte(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) return i;
    const int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return i;
    std::uint32_t cp = len == 1 ? c : c & (0x7f >> len);
    for (int k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b >> 6) != 2) return i;
      cp = (cp << 6) | (b & 0x3f);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += len;
  }
  return std::string_view::npos;
}

Note note_at_offset(std::string_view s, std::size_t offset, std::string message) {
  Note n;
  n.line = 1 + static_cast<int>(std::count(s.begin(), s.begin() + offset, '\n'));
  const std::size_t start = s.rfind('\n', offset == 0 ? 0 : offset - 1);
  n.col = 1 + static_cast<int>(offset - (start == std::string_view::npos || offset == 0 ? 0 : start + 1));
  n.message = std::move(message);
  return n;
}

// A compose name as a Shoal service name: lower case, [a-z0-9-], at most 63 characters.
std::string shoal_name(const std::string& compose) {
  std::string out;
  for (char c : compose) {
    const auto u = static_cast<unsigned char>(c);
    out += std::isalnum(u) && u < 0x80 ? static_cast<char>(std::tolower(u)) : '-';
  }
  auto trim = [&] {
    while (!out.empty() && out.back() == '-') out.pop_back();
    out.erase(0, out.find_first_not_of('-'));
  };
  trim();
  if (out.size() > 63) out.resize(63);
  trim();
  return out;
}

void read_top_level(Walk& w, const Entry& e) {
  if (e.key == "version") {
    w.warn(e.key_node, e.key, "ignored (obsolete in the Compose Specification)");
  } else if (e.key == "volumes") {
    // A bare declaration is what Shoal does with a named volume; options are not.
    for (const Entry& v : w.mapping(e.value, e.key).value_or(std::vector<Entry>{}))
      for (const Entry& o : w.mapping(v.value, "volumes." + v.key).value_or(std::vector<Entry>{}))
        w.warn(o.key_node, "volumes." + v.key + "." + o.key,
               "not converted: Shoal creates named volumes with the engine's defaults");
  } else if (e.key == "networks" || e.key == "secrets" || e.key == "configs") {
    for (const Entry& v : w.mapping(e.value, e.key).value_or(std::vector<Entry>{}))
      w.warn(v.key_node, e.key + "." + v.key, "not converted: Shoal has no " + e.key);
  } else {
    w.warn(e.key_node, e.key, "not converted: Shoal has no equivalent");
  }
}

struct Read {
  ServiceDraft draft;
  YAML::Node at;
};

void read_services(Walk& w, const YAML::Node& n, std::vector<Read>& out) {
  auto services = w.mapping(n, "services");
  if (!services) return;
  if (services->empty()) w.error(n, "services", "no services to convert");
  if (services->size() > kMaxComposeServices) {
    w.error(n, "services", "more than " + std::to_string(kMaxComposeServices) + " services");
    return;
  }
  for (const Entry& e : *services) {
    const std::string key = "services." + e.key;
    Read r;
    r.at = e.key_node;
    r.draft.compose_name = e.key;
    r.draft.name = shoal_name(e.key);
    if (std::string why = config::check_service_name(r.draft.name); !why.empty()) {
      w.error(e.key_node, key, "the name cannot become a Shoal service name: " + why);
      continue;
    }
    if (r.draft.name != e.key)
      w.warn(e.key_node, key, "renamed `" + r.draft.name + "` (Shoal's names are [a-z0-9-])");
    auto same = [&](const Read& o) { return o.draft.name == r.draft.name; };
    if (auto it = std::find_if(out.begin(), out.end(), same); it != out.end()) {
      w.error(e.key_node, key, "becomes `" + r.draft.name + "`, as `" +
                                   it->draft.compose_name + "` does: rename one");
      continue;
    }
    if (read_service(w, e.value, key, r.draft)) out.push_back(std::move(r));
  }
}

// Notes without a position ("N more not shown") last.
bool by_position(const Note& a, const Note& b) {
  return std::make_tuple(a.line == 0, a.line, a.col) < std::make_tuple(b.line == 0, b.line, b.col);
}

}  // namespace

std::string Note::to_string(std::string_view path) const {
  std::string out(path);
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(col);
  out += ": ";
  if (!key.empty()) out += key + ": ";
  return out + message;
}

Converted convert_compose(std::string_view yaml, std::string_view path,
                          const ConvertLimits& limits) {
  Converted out;
  if (yaml.size() > limits.max_bytes) {
    out.errors.push_back(Note{0, 0, "", "the file is larger than " +
                                            std::to_string(limits.max_bytes >> 10) +
                                            " KiB: not converted"});
    return out;
  }
  if (const std::size_t bad = first_bad_byte(yaml); bad != std::string_view::npos) {
    out.errors.push_back(note_at_offset(
        yaml, bad, yaml[bad] == 0 ? "a NUL byte: a compose file is UTF-8 text"
                                  : "not UTF-8: a compose file is UTF-8 text"));
    return out;
  }
  YAML::Node root;
  std::size_t documents = 0;
  try {
    const std::string text(yaml);
    documents = yaml_documents(text, 2);
    if (documents > 0) root = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    out.errors.push_back(Note{e.mark.line + 1, e.mark.column + 1, "",
                              "invalid YAML: nested too deeply (more than a few hundred levels)"});
    return out;
  } catch (const YAML::Exception& e) {
    out.errors.push_back(Note{e.mark.is_null() ? 0 : e.mark.line + 1,
                              e.mark.is_null() ? 0 : e.mark.column + 1, "",
                              "invalid YAML: " + e.msg});
    return out;
  }
  Walk w(limits.max_nodes, limits.max_text_bytes);
  if (documents == 0 || !root.IsMap()) {
    w.error(root, "", "not a compose file: the top level must be a mapping with `services`");
  } else if (documents > 1) {
    w.error(root, "", "a second YAML document (---): a compose file has one");
  } else {
    auto top = w.mapping(root, "");
    std::vector<Read> reads;
    bool has_services = false;
    for (const Entry& e : top.value_or(std::vector<Entry>{})) {
      if (e.key == "services") has_services = true, read_services(w, e.value, reads);
      else read_top_level(w, e);
    }
    if (top && !has_services)
      w.error(root, "", "not a compose file: no `services` mapping");
    else if (top && reads.empty() && w.error_count() == 0)
      w.error(root, "services", "no service has an image: nothing to convert");
    for (Read& r : reads) {
      if (w.error_count() > 0) break;
      std::string toml = to_toml(r.draft, path);
      // Shoal's own parser has the last word: a value beyond its bounds (10,001 replicas, a
      // 2 KiB image name) is an error here rather than a file `shoal check` refuses.
      auto parsed = config::parse_service_file(toml, r.draft.name + ".toml");
      for (const config::Diagnostic& d : parsed.errors)
        w.error(r.at, "services." + r.draft.compose_name, "Shoal refuses the result: " +
                                                              d.message);
      out.services.push_back(
          ServiceFile{r.draft.name, r.draft.compose_name, std::move(toml)});
    }
  }
  out.warnings = w.take_warnings();
  out.errors = w.take_errors();
  if (!out.errors.empty()) out.services.clear();
  std::stable_sort(out.warnings.begin(), out.warnings.end(), by_position);
  std::stable_sort(out.errors.begin(), out.errors.end(), by_position);
  return out;
}

}  // namespace shoal::convert
