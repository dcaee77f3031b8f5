#include "node/convert/yaml_walk.hpp"

#include <algorithm>
#include <charconv>
#include <set>
#include <sstream>

#include <yaml-cpp/eventhandler.h>

namespace shoal::convert {
namespace {

// Enough for any real compose file; past it the rest is summed up in one line, so a hostile
// file cannot make the output grow with it.
constexpr std::size_t kMaxNotes = 500;
// `<<: *a` where `a` merges `b` ...: real files go one or two deep.
constexpr int kMaxMergeDepth = 8;
constexpr std::size_t kMaxKey = 1024;

}  // namespace

std::string yaml_type(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null: return "null";
    case YAML::NodeType::Sequence: return "a sequence";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Scalar: return "a string";
    case YAML::NodeType::Undefined: break;
  }
  return "nothing";
}

// A note quotes the file (keys, values): each is cut, so that one long string aliased into
// every note cannot multiply memory.
std::string cut(std::string text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xc0) == 0x80) --n;  // whole UTF-8
  text.resize(n);
  return text + "...";
}

Note Walk::note_at(const YAML::Node& at, std::string key, std::string message) {
  YAML::Mark m = at.IsDefined() ? at.Mark() : YAML::Mark::null_mark();
  // yaml-cpp marks an empty value (`key:`) at the next token, often the next line.
  if (m.is_null() || at.IsNull()) m = last_;
  Note n;
  if (!m.is_null()) n.line = m.line + 1, n.col = m.column + 1;
  n.key = cut(std::move(key), 256);
  n.message = cut(std::move(message), 512);
  return n;
}

void Walk::warn(const YAML::Node& at, std::string key, std::string message) {
  if (warnings_.size() >= kMaxNotes) {
    ++dropped_warnings_;
    return;
  }
  warnings_.push_back(note_at(at, std::move(key), std::move(message)));
}

void Walk::error(const YAML::Node& at, std::string key, std::string message) {
  if (errors_.size() >= kMaxNotes) {
    ++dropped_errors_;
    return;
  }
  errors_.push_back(note_at(at, std::move(key), std::move(message)));
}

bool Walk::visit(const YAML::Node& at) {
  if (spent_) return false;
  if (budget_ == 0) {
    spent_ = true;
    error(at, "", "the document has more nodes than " + std::to_string(kMaxComposeNodes) +
                      " once its aliases are expanded (a YAML bomb?): not converted");
    return false;
  }
  --budget_;
  if (at.IsDefined() && !at.Mark().is_null() && !at.IsNull()) last_ = at.Mark();
  return true;
}

bool Walk::copy(const YAML::Node& at, std::size_t bytes) {
  if (spent_) return false;
  if (bytes > text_budget_) {
    spent_ = true;
    error(at, "", "the document's strings add up to more than " +
                      std::to_string(kMaxComposeTextBytes >> 20) +
                      " MiB once its aliases are expanded (a YAML bomb?): not converted");
    return false;
  }
  text_budget_ -= bytes;
  return true;
}

void Walk::merge_into(const YAML::Node& source, const std::string& key, int depth,
                      std::vector<Entry>& out) {
  if (depth > kMaxMergeDepth) {
    error(source, key, "merge keys (<<) nest deeper than " + std::to_string(kMaxMergeDepth));
    return;
  }
  auto add = [&](const YAML::Node& map) {
    if (!map.IsMap()) {
      error(map, key, "a merge key (<<) takes a mapping or a sequence of mappings, not " +
                          yaml_type(map));
      return;
    }
    // The mapping's own keys first, so that they win over what it merges in turn.
    std::vector<Entry> merged;
    std::vector<YAML::Node> nested;
    for (auto it = map.begin(); it != map.end() && visit(it->first); ++it) {
      if (!it->first.IsScalar()) continue;  // reported where the mapping itself is walked
      if (!copy(it->first, it->first.Scalar().size())) return;
      if (it->first.Scalar() == "<<") nested.push_back(it->second);
      else merged.push_back(Entry{it->first.Scalar(), it->first, it->second});
    }
    for (const YAML::Node& m : nested) merge_into(m, key, depth + 1, merged);
    for (Entry& e : merged) {
      auto same = [&](const Entry& o) { return o.key == e.key; };
      if (std::none_of(out.begin(), out.end(), same)) out.push_back(std::move(e));
    }
  };
  if (source.IsSequence()) {
    for (auto it = source.begin(); it != source.end() && visit(*it); ++it) add(*it);
  } else {
    add(source);
  }
}

std::optional<std::vector<Entry>> Walk::mapping(const YAML::Node& n, const std::string& key) {
  if (spent_) return std::nullopt;
  if (n.IsNull()) return std::vector<Entry>{};
  if (!n.IsMap()) {
    error(n, key, "must be a mapping, not " + yaml_type(n));
    return std::nullopt;
  }
  std::vector<Entry> out;
  std::vector<YAML::Node> merges;
  std::set<std::string> seen;
  bool ok = true;
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!visit(it->first)) return std::nullopt;
    if (!it->first.IsScalar()) {
      error(it->first, key, "a key must be a string, not " + yaml_type(it->first));
      ok = false;
      continue;
    }
    const std::string& k = it->first.Scalar();
    if (!copy(it->first, k.size())) return std::nullopt;
    if (k.size() > kMaxKey) {
      // Key paths repeat their parents' keys: a long one would be copied into every child's.
      error(it->first, key, "a key longer than " + std::to_string(kMaxKey) + " bytes");
      ok = false;
      continue;
    }
    if (!seen.insert(k).second) {
      error(it->first, key.empty() ? k : key + "." + k, "the key is given twice");
      ok = false;
      continue;
    }
    if (k == "<<" && it->first.Tag() == "?") merges.push_back(it->second);
    else if (k.rfind("x-", 0) != 0) out.push_back(Entry{k, it->first, it->second});
  }
  std::vector<Entry> merged;
  for (const YAML::Node& m : merges) merge_into(m, key, 1, merged);
  for (Entry& e : merged) {
    if (seen.count(e.key) == 0 && e.key.rfind("x-", 0) != 0) {
      seen.insert(e.key);
      out.push_back(std::move(e));
    }
  }
  if (!ok || spent_) return std::nullopt;
  return out;
}

std::optional<std::vector<YAML::Node>> Walk::sequence(const YAML::Node& n,
                                                      const std::string& key) {
  if (spent_) return std::nullopt;
  if (!n.IsSequence()) {
    error(n, key, "must be a sequence, not " + yaml_type(n));
    return std::nullopt;
  }
  std::vector<YAML::Node> out;
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!visit(*it)) return std::nullopt;
    out.push_back(*it);
  }
  return out;
}

std::optional<std::string> Walk::scalar(const YAML::Node& n, const std::string& key) {
  if (spent_) return std::nullopt;
  if (!n.IsScalar()) {
    error(n, key, "must be a string or a number, not " + yaml_type(n));
    return std::nullopt;
  }
  if (!copy(n, n.Scalar().size())) return std::nullopt;
  return n.Scalar();
}

std::optional<std::int64_t> Walk::integer(const YAML::Node& n, const std::string& key,
                                          std::int64_t lo, std::int64_t hi) {
  auto text = scalar(n, key);
  if (!text) return std::nullopt;
  std::int64_t v = 0;
  const char* end = text->data() + text->size();
  auto [p, ec] = std::from_chars(text->data() + (!text->empty() && (*text)[0] == '+'), end, v);
  if (text->empty() || ec != std::errc() || p != end) {
    error(n, key, "must be an integer, not `" + *text + "`");
    return std::nullopt;
  }
  if (v < lo || v > hi) {
    error(n, key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                      ", not " + *text);
    return std::nullopt;
  }
  return v;
}

std::optional<std::vector<std::string>> Walk::words(const YAML::Node& n, const std::string& key,
                                                    bool split) {
  if (n.IsScalar()) {
    auto text = scalar(n, key);
    if (!text || !split) return text ? std::optional(std::vector<std::string>{*text}) : std::nullopt;
    auto w = shell_split(*text);
    if (!w) error(n, key, "a quote is not closed in `" + *text + "`");
    return w;
  }
  if (!n.IsSequence()) {
    error(n, key, "must be a string or a sequence of strings, not " + yaml_type(n));
    return std::nullopt;
  }
  auto items = sequence(n, key);
  if (!items) return std::nullopt;
  std::vector<std::string> out;
  bool ok = true;
  for (std::size_t i = 0; i < items->size(); ++i) {
    auto s = scalar((*items)[i], key + "[" + std::to_string(i) + "]");
    if (s) out.push_back(std::move(*s));
    else ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

std::vector<Note> Walk::take_warnings() {
  if (dropped_warnings_ > 0)
    warnings_.push_back(Note{0, 0, "", std::to_string(dropped_warnings_) + " more not shown"});
  dropped_warnings_ = 0;
  return std::move(warnings_);
}

std::vector<Note> Walk::take_errors() {
  if (dropped_errors_ > 0)
    errors_.push_back(Note{0, 0, "", std::to_string(dropped_errors_) + " more errors not shown"});
  dropped_errors_ = 0;
  return std::move(errors_);
}

namespace {

// Parses and drops every event: documents are counted by the loop that drives it.
struct Ignore : YAML::EventHandler {
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

}  // namespace

std::size_t yaml_documents(const std::string& text, std::size_t max) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  Ignore ignore;
  std::size_t n = 0;
  while (n < max && parser.HandleNextDocument(ignore)) ++n;
  return n;
}

std::optional<std::vector<std::string>> shell_split(const std::string& text) {
  std::vector<std::string> out;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote == '\'') {
      if (c == '\'') quote = 0;
      else word += c;
    } else if (quote == '"') {
      if (c == '"') {
        quote = 0;
      } else if (c == '\\' && i + 1 < text.size() &&
                 std::string_view("\"\\$`").find(text[i + 1]) != std::string_view::npos) {
        word += text[++i];
      } else {
        word += c;
      }
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) out.push_back(std::move(word)), word.clear(), in_word = false;
    } else {
      in_word = true;
      if (c == '\'' || c == '"') quote = c;
      else if (c == '\\' && i + 1 < text.size()) word += text[++i];
      else word += c;
    }
  }
  if (quote != 0) return std::nullopt;
  if (in_word) out.push_back(std::move(word));
  return out;
}

}  // namespace shoal::convert
