#include "sim/csv.hpp"

#include <charconv>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

namespace shoal::sim {
namespace {

// Splits one CSV record (RFC 4180 quoting, no embedded newlines).
std::vector<std::string> split_record(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') { out.back().push_back('"'); ++i; }
      else if (c == '"') quoted = false;
      else out.back().push_back(c);
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back().push_back(c);
    }
  }
  for (auto& f : out) {
    while (!f.empty() && (f.back() == ' ' || f.back() == '\t')) f.pop_back();
    std::size_t b = 0;
    while (b < f.size() && (f[b] == ' ' || f[b] == '\t')) ++b;
    f.erase(0, b);
  }
  return out;
}

struct Table {
  std::map<std::string, std::size_t> columns;
  struct Row { std::size_t line; std::vector<std::string> fields; };
  std::vector<Row> rows;
};

std::variant<Table, CsvError> parse_table(const std::string& text, const std::string& path) {
  Table t;
  std::istringstream in(text);
  std::string line;
  std::size_t number = 0;
  bool header = false;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    auto fields = split_record(line);
    if (!header) {
      for (std::size_t i = 0; i < fields.size(); ++i) t.columns.emplace(fields[i], i);
      header = true;
      continue;
    }
    t.rows.push_back({number, std::move(fields)});
  }
  if (!header) return CsvError{path + ":1: empty file (expected a header line)"};
  return t;
}

std::optional<std::size_t> column(const Table& t, const char* name) {
  auto it = t.columns.find(name);
  if (it == t.columns.end()) return std::nullopt;
  return it->second;
}

std::variant<std::size_t, CsvError> need(const Table& t, const std::string& path,
                                         std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (auto c = column(t, n)) return *c;
  std::string list;
  for (const char* n : names) list += (list.empty() ? "`" : " or `") + std::string(n) + "`";
  return CsvError{path + ":1: missing column " + list};
}

std::variant<std::string, CsvError> field(const Table::Row& row, std::size_t col, const std::string& path,
                                          const char* name) {
  if (col >= row.fields.size())
    return CsvError{path + ":" + std::to_string(row.line) + ": missing field `" + name + "`"};
  return row.fields[col];
}

std::variant<std::int64_t, CsvError> number(const Table::Row& row, std::size_t col, const std::string& path,
                                            const char* name) {
  auto f = field(row, col, path, name);
  if (auto* e = std::get_if<CsvError>(&f)) return *e;
  const std::string& s = std::get<std::string>(f);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < 0)
    return CsvError{path + ":" + std::to_string(row.line) + ": bad number `" + s + "` in column `" + name +
                    "` (expected a non-negative integer)"};
  return v;
}

template <typename Row, typename Fill>
std::variant<std::vector<Row>, CsvError> parse_rows(const std::string& text, const std::string& path,
                                                    bool with_zone, Fill fill) {
  auto parsed = parse_table(text, path);
  if (auto* e = std::get_if<CsvError>(&parsed)) return *e;
  const Table& t = std::get<Table>(parsed);
  auto name_col = need(t, path, {"name", "sn"});
  if (auto* e = std::get_if<CsvError>(&name_col)) return *e;
  auto cpu_col = need(t, path, {"cpu_milli"});
  if (auto* e = std::get_if<CsvError>(&cpu_col)) return *e;
  auto mem_col = need(t, path, {"memory_mib"});
  if (auto* e = std::get_if<CsvError>(&mem_col)) return *e;
  const auto zone_col = with_zone ? column(t, "zone") : std::nullopt;
  std::vector<Row> out;
  for (const auto& row : t.rows) {
    Row r;
    auto name = field(row, std::get<std::size_t>(name_col), path, "name");
    if (auto* e = std::get_if<CsvError>(&name)) return *e;
    r.name = std::get<std::string>(name);
    if (r.name.empty()) return CsvError{path + ":" + std::to_string(row.line) + ": empty name"};
    auto cpu = number(row, std::get<std::size_t>(cpu_col), path, "cpu_milli");
    if (auto* e = std::get_if<CsvError>(&cpu)) return *e;
    auto mem = number(row, std::get<std::size_t>(mem_col), path, "memory_mib");
    if (auto* e = std::get_if<CsvError>(&mem)) return *e;
    r.cpu_milli = std::get<std::int64_t>(cpu);
    r.memory_mib = std::get<std::int64_t>(mem);
    std::string zone;
    if (zone_col && *zone_col < row.fields.size()) zone = row.fields[*zone_col];
    fill(r, zone);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

std::variant<std::vector<NodeRow>, CsvError> parse_nodes(const std::string& text, const std::string& path) {
  return parse_rows<NodeRow>(text, path, true, [](NodeRow& r, const std::string& zone) { r.zone = zone; });
}

std::variant<std::vector<PodRow>, CsvError> parse_pods(const std::string& text, const std::string& path) {
  return parse_rows<PodRow>(text, path, false, [](PodRow&, const std::string&) {});
}

std::variant<std::string, CsvError> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return CsvError{path + ": cannot open file"};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace shoal::sim
