#include "node/cli_convert.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <ostream>

#include <CLI/CLI.hpp>

#include "node/config_json.hpp"
#include "node/convert/compose.hpp"

namespace shoal::node {
namespace {

namespace fs = std::filesystem;

// At most the converter's limit plus one byte: a bigger file is refused without reading it all.
bool read_bounded(const std::string& path, std::string& text, std::string& why) {
  std::error_code ec;
  if (path != "-" && fs::is_directory(path, ec)) {
    why = "is a directory";
    return false;
  }
  std::ifstream file;
  if (path != "-") file.open(path, std::ios::binary);
  std::istream& in = path == "-" ? std::cin : file;
  if (!in) {
    why = std::strerror(errno);
    return false;
  }
  text.resize(convert::kMaxComposeBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (in.bad()) {
    why = std::strerror(errno);
    return false;
  }
  return true;
}

ConfigJson notes_json(const std::vector<convert::Note>& notes) {
  ConfigJson a = ConfigJson::array();
  for (const convert::Note& n : notes)
    a.push_back(ConfigJson{{"line", n.line}, {"col", n.col}, {"key", n.key}, {"message", n.message}});
  return a;
}

// Writes each file through a temporary name and a rename: DIR may be a peer's services_dir,
// whose watcher must never read half a file.
int write_files(const ConvertOptions& o, const convert::Converted& c,
                std::vector<std::string>& paths, std::ostream& err) {
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (ec) {
    err << "shoal convert: cannot create " << o.out_dir << ": " << ec.message() << "\n";
    return 1;
  }
  for (const convert::ServiceFile& s : c.services) {
    paths.push_back((fs::path(o.out_dir) / (s.name + ".toml")).string());
    if (!o.force && fs::exists(paths.back(), ec)) {
      err << "shoal convert: " << paths.back() << " exists (--force replaces it); nothing "
          << "written\n";
      return 1;
    }
  }
  for (std::size_t i = 0; i < c.services.size(); ++i) {
    const fs::path tmp = fs::path(o.out_dir) / ("." + c.services[i].name + ".toml.convert");
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << c.services[i].toml;
    f.close();
    if (!f || (fs::rename(tmp, paths[i], ec), ec)) {
      err << "shoal convert: cannot write " << paths[i] << ": "
          << (ec ? ec.message() : std::strerror(errno)) << "\n";
      fs::remove(tmp, ec);
      return 1;
    }
  }
  return 0;
}

}  // namespace

CLI::App* add_convert_command(CLI::App& app, ConvertOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "convert", "Write Shoal service files from a docker-compose file");
  cmd->add_option("FILE", o.file, "The compose file (YAML), or - for stdin")->required();
  cmd->add_option("-o,--out", o.out_dir,
                  "Write one NAME.toml per service into DIR (created if missing) instead of "
                  "printing them")
      ->type_name("DIR");
  cmd->add_flag("--json", o.json,
                "Print {\"file\",\"services\":[{\"name\",\"compose_name\",\"file\",\"toml\"}],"
                "\"warnings\":[{\"line\",\"col\",\"key\",\"message\"}],\"errors\":[...]}");
  cmd->add_flag("--force", o.force, "With -o: replace NAME.toml files that exist");
  cmd->add_flag("--strict", o.strict,
                "Exit 2 and write nothing when anything was not converted");
  cmd->footer(
      "Maps image, command, environment, ports (TCP, named p<PORT>), deploy.replicas,\n"
      "deploy.mode global, deploy.resources (limits, else reservations; or cpus, mem_limit,\n"
      "mem_reservation), restart and\n"
      "deploy.restart_policy, deploy.placement (node.labels.KEY and node.hostname constraints,\n"
      "max_replicas_per_node), healthcheck (CMD, CMD-SHELL, NONE), stop_grace_period and\n"
      "volumes (named, absolute binds). Everything else, deploy.update_config included, is\n"
      "listed on stderr as FILE:LINE:COL: KEY: why, and in each file's header comment.\n"
      "${VAR:-default} becomes its default; any other $VAR is kept as written and reported.\n"
      "x-* keys are ignored and <<: merge keys applied, as compose does.\n"
      "Examples:\n"
      "  shoal convert compose.yml -o converted/     # one NAME.toml per service\n"
      "  shoal check converted/*.toml && cp converted/*.toml /etc/shoal/services/\n"
      "  shoal convert compose.yml > app.toml && shoal apply app.toml\n"
      "Exit 0 converted, 1 a file could not be written or exists, 2 bad input (invalid YAML,\n"
      "not a compose file, more than 1 MiB; with --strict, anything not converted).");
  return cmd;
}

int run_convert(const ConvertOptions& o, std::ostream& out, std::ostream& err) {
  std::string text, why;
  if (!read_bounded(o.file, text, why)) {
    err << o.file << ": cannot read file: " << why << "\n";
    return 2;
  }
  const std::string shown = o.file == "-" ? "<stdin>" : o.file;
  const convert::Converted c = convert::convert_compose(text, shown);
  for (const convert::Note& n : c.errors) err << n.to_string(shown) << "\n";
  for (const convert::Note& n : c.warnings) err << n.to_string(shown) << "\n";
  int code = c.ok() ? 0 : 2;
  if (code == 0 && o.strict && !c.warnings.empty()) {
    err << "shoal convert: --strict: " << c.warnings.size()
        << " warnings; nothing written\n";
    code = 2;
  }
  std::vector<std::string> paths;
  if (code == 0 && !o.out_dir.empty()) code = write_files(o, c, paths, err);
  if (o.json) {
    ConfigJson services = ConfigJson::array();
    for (std::size_t i = 0; code == 0 && i < c.services.size(); ++i)
      services.push_back(ConfigJson{{"name", c.services[i].name},
                              {"compose_name", c.services[i].compose_name},
                              {"file", paths.empty() ? ConfigJson(nullptr) : ConfigJson(paths[i])},
                              {"toml", c.services[i].toml}});
    ConfigJson j{{"file", shown}, {"services", std::move(services)},
           {"warnings", notes_json(c.warnings)}, {"errors", notes_json(c.errors)}};
    out << j.dump(2, ' ', false, ConfigJson::error_handler_t::replace) << "\n";
  } else if (code == 0 && paths.empty()) {
    for (std::size_t i = 0; i < c.services.size(); ++i)
      out << (i ? "\n" : "") << c.services[i].toml;
  } else if (code == 0) {
    for (std::size_t i = 0; i < paths.size(); ++i)
      out << "wrote " << paths[i] << " (service " << c.services[i].name << ")\n";
  }
  return code;
}

}  // namespace shoal::node
