// `shoal check [--json] FILE...`: validate service and peer files without running anything.
// Exit 0 when every file is valid, 2 when any is invalid or unreadable.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.hpp"
#include "config/parse.hpp"
#include "node/config_json.hpp"

namespace shoal::node {

// The verdict on one file.
struct FileCheck {
  std::string path;
  std::optional<config::FileKind> kind;   // absent when the file could not be read
  ConfigJson value;                             // the normalised config, or null when invalid
  std::vector<config::Diagnostic> errors;
  std::string summary;                    // e.g. "service api, web" or "peer host-a"
  bool ok() const { return errors.empty(); }
};

// Checks text already read from `path` (pure).
FileCheck check_text(std::string path, std::string_view text);
// Reads `path` and checks it; a read failure is one diagnostic without position.
FileCheck check_file(const std::string& path);

// Human output: `path: ok (service web)` lines on `out`, `path:line:col: message` on `err`.
// JSON output: the array of {"file", "kind", "value"[, "errors"]} objects on `out`.
// Returns the exit code (0 or 2).
int print_checks(const std::vector<FileCheck>& checks, bool json, std::ostream& out,
                 std::ostream& err);

// The whole subcommand: check every file in order, print, return the exit code.
int run_check(const std::vector<std::string>& files, bool json, std::ostream& out,
              std::ostream& err);

}  // namespace shoal::node
