// Internal to config/: typed reads from a toml++ tree that record a Diagnostic for every problem
// instead of stopping. Not a public header (it pulls in toml++).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/toml.hpp"

#include "config/diagnostic.hpp"
#include "config/spec.hpp"

namespace shoal::config::detail {

// Edit distance (optimal string alignment: insertions, deletions, substitutions, adjacent
// transpositions), for "did you mean" hints.
int edit_distance(std::string_view a, std::string_view b);
// The closest candidate within a small distance, or empty.
std::string closest(std::string_view word, std::initializer_list<std::string_view> candidates);

class Reader {
 public:
  explicit Reader(std::string_view path) : path_(path) {}

  void error(const toml::source_region& where, std::string message);
  void error(const toml::node& at, std::string message) { error(at.source(), std::move(message)); }
  std::size_t error_count() const { return errors_.size(); }
  // All diagnostics, sorted by position (stable), duplicates removed.
  std::vector<Diagnostic> take();

  // Reports each key of `t` not in `known`, with a hint drawn from `known` and `hint_only`.
  // `where` names the table in messages ("service.web", "gossip"; empty for the top level).
  void check_keys(const toml::table& t, std::initializer_list<std::string_view> known,
                  std::string_view where, std::initializer_list<std::string_view> hint_only = {});

  // Typed reads of one value; `name` is the dotted key used in messages. On a problem they
  // record it at the value's position and return nullopt / nullptr.
  const toml::table* table(const toml::node& n, std::string_view name);
  std::optional<std::string> string(const toml::node& n, std::string_view name,
                                    bool allow_empty = false);
  std::optional<std::int64_t> integer(const toml::node& n, std::string_view name,
                                      std::int64_t min, std::int64_t max =
                                          std::numeric_limits<std::int32_t>::max());
  std::optional<bool> boolean(const toml::node& n, std::string_view name);
  std::optional<Millis> duration(const toml::node& n, std::string_view name, Millis min);
  std::optional<std::vector<std::string>> string_array(const toml::node& n, std::string_view name);
  std::optional<Address> address(const toml::node& n, std::string_view name);
  // A table of text values: strings, integers and booleans are accepted and kept as text.
  // `key_ok` validates each key (empty string = fine, else the problem).
  std::optional<std::map<std::string, std::string>> text_map(
      const toml::node& n, std::string_view name, std::string (*key_ok)(std::string_view));
  // cpu: a number of cores (>= 0), or "500m"; "auto" -> `is_auto` when allowed.
  std::optional<std::int64_t> cpu_milli(const toml::node& n, std::string_view name,
                                        bool allow_auto, bool& is_auto);
  // memory: a size string, or an integer number of bytes (rounded up to MiB); "auto" likewise.
  std::optional<std::int64_t> memory_mib(const toml::node& n, std::string_view name,
                                         bool allow_auto, bool& is_auto);
  // One of `choices` (for messages they are listed in order).
  std::optional<std::string> choice(const toml::node& n, std::string_view name,
                                    std::initializer_list<std::string_view> choices);

 private:
  std::string path_;
  std::vector<Diagnostic> errors_;
};

// Calls f(node) when `key` is present in `t`.
template <typename F>
void with(const toml::table& t, std::string_view key, F&& f) {
  if (const toml::node* n = t.get(key)) f(*n);
}

// Parses `text` with toml++; on a syntax error returns nullopt and sets `error`.
std::optional<toml::table> parse_toml(std::string_view text, std::string_view path,
                                      Diagnostic& error);
// The same for a file's parser: the syntax error, if any, is added to `errors`.
std::optional<toml::table> parse_toml(std::string_view text, std::string_view path,
                                      std::vector<Diagnostic>& errors);

}  // namespace shoal::config::detail
