// A bounded, position-keeping walk over a yaml-cpp document, for the compose converter.
//
// yaml-cpp shares the node of an anchor between its aliases, so a tiny text can describe a huge
// tree ("billion laughs"): every entry or element this walk hands out counts against a budget,
// and so does every byte of text copied out of it; once either is spent every accessor returns
// nothing (one error says why). Type mistakes are
// errors at the value's line and column; what has no Shoal equivalent is a warning.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "node/convert/compose.hpp"

namespace shoal::convert {

struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

class Walk {
 public:
  Walk(std::size_t max_nodes, std::size_t max_text_bytes)
      : budget_(max_nodes), text_budget_(max_text_bytes) {}

  // The entries of a mapping, `<<` merge keys applied (the mapping's own keys win), `x-*`
  // extension keys skipped. A null node (`deploy:` with nothing) has no entries. Not a mapping,
  // a key that is not a string, or a key given twice: an error, and nullopt.
  std::optional<std::vector<Entry>> mapping(const YAML::Node& n, const std::string& key);
  // The elements of a sequence; anything else is an error.
  std::optional<std::vector<YAML::Node>> sequence(const YAML::Node& n, const std::string& key);
  // The text of a scalar (plain or quoted); null, a sequence or a mapping is an error.
  std::optional<std::string> scalar(const YAML::Node& n, const std::string& key);
  // An integer scalar within [lo, hi].
  std::optional<std::int64_t> integer(const YAML::Node& n, const std::string& key,
                                      std::int64_t lo, std::int64_t hi);
  // A sequence of scalars, or one scalar (then the text as the only element when `split` is
  // false, else split as a POSIX shell splits words, as compose does for `command`).
  std::optional<std::vector<std::string>> words(const YAML::Node& n, const std::string& key,
                                                bool split);

  void warn(const YAML::Node& at, std::string key, std::string message);
  void error(const YAML::Node& at, std::string key, std::string message);
  bool spent() const { return spent_; }
  std::size_t error_count() const { return errors_.size(); }

  std::vector<Note> take_warnings();
  std::vector<Note> take_errors();

 private:
  bool visit(const YAML::Node& at);
  // Counts `bytes` of text copied out of the document (a key or a scalar).
  bool copy(const YAML::Node& at, std::size_t bytes);
  void merge_into(const YAML::Node& source, const std::string& key, int depth,
                  std::vector<Entry>& out);
  Note note_at(const YAML::Node& at, std::string key, std::string message);

  std::size_t budget_, text_budget_;
  bool spent_ = false;
  YAML::Mark last_;  // the last good position, for nodes without one
  std::vector<Note> warnings_, errors_;
  std::size_t dropped_warnings_ = 0, dropped_errors_ = 0;
};

// A Compose list whose items take a long syntax (a mapping) or a short one (a string), as
// `ports` and `volumes` do: on_long(item, k) or on_short(item, k, text) for each item, k being
// "<key>[i]"; a short item that is not a scalar is an error (Walk::scalar), and skipped.
template <class OnLong, class OnShort>
void each_item(Walk& w, const std::vector<YAML::Node>& items, const std::string& key,
               OnLong on_long, OnShort on_short) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    const YAML::Node& item = items[i];
    const std::string k = key + "[" + std::to_string(i) + "]";
    if (item.IsMap()) {
      on_long(item, k);
    } else if (auto text = w.scalar(item, k)) {
      on_short(item, k, *text);
    }
  }
}

// "a mapping", "a sequence", "null", "a string": for messages.
std::string yaml_type(const YAML::Node& n);

// How many YAML documents `text` holds, counting at most `max` (yaml-cpp's LoadAll never ends
// on some inputs, "," among them: one empty document after another). Throws YAML::Exception on
// a syntax error.
std::size_t yaml_documents(const std::string& text, std::size_t max);

// Splits `text` into words as a POSIX shell would (quotes and backslashes; no expansion);
// nullopt when a quote is not closed.
std::optional<std::vector<std::string>> shell_split(const std::string& text);

}  // namespace shoal::convert
