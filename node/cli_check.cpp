#include "node/cli_check.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

namespace shoal::node {

FileCheck check_text(std::string path, std::string_view text) {
  FileCheck c;
  c.path = std::move(path);
  c.kind = config::detect_kind(text);
  c.value = nullptr;
  if (*c.kind == config::FileKind::service) {
    auto r = config::parse_service_file(text, c.path);
    c.errors = std::move(r.errors);
    if (r.ok()) {
      c.value = to_json(*r.value);
      c.summary = "service ";
      for (std::size_t i = 0; i < r.value->size(); ++i)
        c.summary += (i > 0 ? ", " : "") + (*r.value)[i].name;
    }
  } else {
    auto r = config::parse_peer_file(text, c.path);
    c.errors = std::move(r.errors);
    if (r.ok()) {
      c.value = to_json(*r.value);
      c.summary = r.value->name.empty() ? "peer" : "peer " + r.value->name;
    }
  }
  return c;
}

FileCheck check_file(const std::string& path) {
  auto unreadable = [&](std::string why) {
    FileCheck c;
    c.path = path;
    c.value = nullptr;
    c.errors.push_back(config::Diagnostic{path, 0, 0, "cannot read file: " + why});
    return c;
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return unreadable("is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return unreadable(std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return unreadable(std::strerror(errno));
  return check_text(path, text.str());
}

int print_checks(const std::vector<FileCheck>& checks, bool json, std::ostream& out,
                 std::ostream& err) {
  bool all_ok = true;
  ConfigJson array = ConfigJson::array();
  for (const FileCheck& c : checks) {
    all_ok = all_ok && c.ok();
    if (json) {
      ConfigJson j = ConfigJson::object();
      j["file"] = c.path;
      j["kind"] = !c.kind                                 ? ConfigJson(nullptr)
                  : *c.kind == config::FileKind::service ? ConfigJson("service")
                                                          : ConfigJson("peer");
      j["value"] = c.value;
      if (!c.ok()) {
        ConfigJson errors = ConfigJson::array();
        for (const config::Diagnostic& d : c.errors)
          errors.push_back(ConfigJson{{"line", d.line}, {"col", d.col}, {"message", d.message}});
        j["errors"] = std::move(errors);
      }
      array.push_back(std::move(j));
    } else if (c.ok()) {
      out << c.path << ": ok (" << c.summary << ")\n";
    } else {
      for (const config::Diagnostic& d : c.errors) err << d.to_string() << "\n";
    }
  }
  // Paths need not be UTF-8: replace invalid bytes rather than throw.
  if (json) out << array.dump(2, ' ', false, ConfigJson::error_handler_t::replace) << "\n";
  return all_ok ? 0 : 2;
}

int run_check(const std::vector<std::string>& files, bool json, std::ostream& out,
              std::ostream& err) {
  std::vector<FileCheck> checks;
  checks.reserve(files.size());
  for (const std::string& f : files) checks.push_back(check_file(f));
  return print_checks(checks, json, out, err);
}

}  // namespace shoal::node
