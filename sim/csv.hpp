// Reading the placement benchmark's CSV inputs (nodes and pods, with a header; columns found
// by name, other columns ignored). Errors are values naming `file:line`.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace shoal::sim {

struct NodeRow {
  std::string name;  // column `name` or `sn`
  std::int64_t cpu_milli = 0;
  std::int64_t memory_mib = 0;
  std::string zone;  // optional column `zone`
};

struct PodRow {
  std::string name;  // column `name` or `sn`
  std::int64_t cpu_milli = 0;
  std::int64_t memory_mib = 0;
};

struct CsvError {
  std::string message;  // "path:line: what was wrong"
};

// Parses CSV text; `path` only names the source in errors.
std::variant<std::vector<NodeRow>, CsvError> parse_nodes(const std::string& text, const std::string& path);
std::variant<std::vector<PodRow>, CsvError> parse_pods(const std::string& text, const std::string& path);

// Reads a whole file; a CsvError "path: cannot open" when it cannot.
std::variant<std::string, CsvError> read_file(const std::string& path);

}  // namespace shoal::sim
