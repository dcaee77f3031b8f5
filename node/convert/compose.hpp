// docker-compose YAML -> Shoal service files (`shoal convert`). Pure: the caller reads the file
// and writes the results.
//
// One service file per compose service, named after it (a compose name Shoal refuses is
// lower-cased and its other characters become '-', with a warning). Everything of the compose
// file that has no Shoal equivalent is a warning at its line and column with its key path; a
// compose file that is invalid (not YAML, not UTF-8, no `services` mapping, a wrong type, a
// duplicate key) is an error, and then no service is returned.
//
// Hostile input: the text is refused above kMaxComposeBytes, and the walk counts every YAML node
// it visits and every byte of text it copies out (aliases are shared by yaml-cpp, so `*a`
// repeated a billion times costs nothing until walked): past kMaxComposeNodes or
// kMaxComposeTextBytes it stops with an error. yaml-cpp bounds nesting; messages quote at most
// a few hundred bytes of the file.
// Extension fields (`x-*`) are ignored, as compose does; merge keys (`<<: *anchor`) are applied.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::convert {

inline constexpr std::size_t kMaxComposeBytes = std::size_t{1} << 20;  // 1 MiB
inline constexpr std::size_t kMaxComposeNodes = 100'000;
inline constexpr std::size_t kMaxComposeTextBytes = std::size_t{4} << 20;  // 4 MiB
inline constexpr std::size_t kMaxComposeServices = 1'000;

// Something at a position of the compose file: `path:line:col: key: message`.
struct Note {
  int line = 0;  // 1-based; 0 = the file as a whole
  int col = 0;
  std::string key;  // the key path, e.g. "services.web.deploy.update_config.parallelism"
  std::string message;
  std::string to_string(std::string_view path) const;
  friend bool operator==(const Note&, const Note&) = default;
};

struct ServiceFile {
  std::string name;          // the Shoal service name (and file name, NAME.toml)
  std::string compose_name;  // its name in the compose file
  std::string toml;          // a complete service file
};

struct Converted {
  std::vector<ServiceFile> services;  // in the compose file's order; empty when errors
  std::vector<Note> warnings;         // what was not converted, sorted by position
  std::vector<Note> errors;           // why the file is not a valid compose file
  bool ok() const { return errors.empty(); }
};

struct ConvertLimits {
  std::size_t max_bytes = kMaxComposeBytes;
  std::size_t max_nodes = kMaxComposeNodes;
  std::size_t max_text_bytes = kMaxComposeTextBytes;
};

// `path` is only used in the comment at the top of each service file.
Converted convert_compose(std::string_view yaml, std::string_view path,
                          const ConvertLimits& limits = {});

}  // namespace shoal::convert
