#include "config/toml_reader.hpp"

#include <algorithm>
#include <cmath>

#include "config/units.hpp"

namespace shoal::config::detail {
namespace {

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  out += s;
  out += '"';
  return out;
}

}  // namespace

int edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1, 0));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

std::string closest(std::string_view word, std::initializer_list<std::string_view> candidates) {
  std::string best;
  int best_d = word.size() <= 3 ? 1 : (word.size() <= 6 ? 2 : 3);
  for (std::string_view c : candidates) {
    const int d = edit_distance(word, c);
    if (d < best_d || (d <= best_d && best.empty())) {
      best_d = d;
      best = std::string(c);
    }
  }
  return best;
}

void Reader::error(const toml::source_region& where, std::string message) {
  errors_.push_back(Diagnostic{path_, static_cast<int>(where.begin.line),
                               static_cast<int>(where.begin.column), std::move(message)});
}

std::vector<Diagnostic> Reader::take() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.line != b.line ? a.line < b.line : a.col < b.col;
  });
  errors_.erase(std::unique(errors_.begin(), errors_.end()), errors_.end());
  return std::move(errors_);
}

void Reader::check_keys(const toml::table& t, std::initializer_list<std::string_view> known,
                        std::string_view where, std::initializer_list<std::string_view> hint_only) {
  for (auto&& [key, value] : t) {
    const std::string_view k = key.str();
    if (std::find(known.begin(), known.end(), k) != known.end()) continue;
    std::string msg = "unknown key `" + std::string(k) + "`";
    if (!where.empty()) msg += " in " + std::string(where);
    std::string hint = closest(k, known);
    if (hint.empty()) hint = closest(k, hint_only);
    if (!hint.empty()) msg += " (did you mean `" + hint + "`?)";
    error(key.source(), std::move(msg));
  }
}

const toml::table* Reader::table(const toml::node& n, std::string_view name) {
  if (const toml::table* t = n.as_table()) return t;
  error(n, std::string(name) + " must be a table, not " + type_name(n));
  return nullptr;
}

std::optional<std::string> Reader::string(const toml::node& n, std::string_view name,
                                          bool allow_empty) {
  const auto* s = n.as_string();
  if (s == nullptr) {
    error(n, std::string(name) + " must be a string, not " + type_name(n));
    return std::nullopt;
  }
  if (!allow_empty && s->get().empty()) {
    error(n, std::string(name) + " must not be empty");
    return std::nullopt;
  }
  return s->get();
}

std::optional<std::int64_t> Reader::integer(const toml::node& n, std::string_view name,
                                            std::int64_t min, std::int64_t max) {
  const auto* i = n.as_integer();
  if (i == nullptr) {
    error(n, std::string(name) + " must be an integer, not " + type_name(n));
    return std::nullopt;
  }
  const std::int64_t v = i->get();
  if (v < min || v > max) {
    if (max == std::numeric_limits<std::int32_t>::max() && v < min)
      error(n, std::string(name) + " must be >= " + std::to_string(min));
    else
      error(n, std::string(name) + " must be from " + std::to_string(min) + " to " +
                   std::to_string(max));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> Reader::boolean(const toml::node& n, std::string_view name) {
  if (const auto* b = n.as_boolean()) return b->get();
  error(n, std::string(name) + " must be true or false, not " + type_name(n));
  return std::nullopt;
}

std::optional<Millis> Reader::duration(const toml::node& n, std::string_view name, Millis min) {
  const auto* s = n.as_string();
  if (s == nullptr) {
    if (n.is_number())
      error(n, std::string(name) + " must be a duration with a unit, like \"5s\" or \"500ms\"");
    else
      error(n, std::string(name) + " must be a duration string like \"5s\", not " + type_name(n));
    return std::nullopt;
  }
  auto d = parse_duration(s->get());
  if (!d.ok()) {
    error(n, std::string(name) + ": invalid duration " + quoted(s->get()) + ": " + d.error);
    return std::nullopt;
  }
  if (*d.value < min) {
    error(n, std::string(name) + (min == 1 ? " must be > 0" : " must be >= " + format_duration(min)));
    return std::nullopt;
  }
  return d.value;
}

std::optional<std::vector<std::string>> Reader::string_array(const toml::node& n,
                                                             std::string_view name) {
  const toml::array* a = n.as_array();
  if (a == nullptr) {
    error(n, std::string(name) + " must be an array of strings, not " + type_name(n));
    return std::nullopt;
  }
  if (a->empty()) {
    error(n, std::string(name) + " must not be empty");
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (std::size_t i = 0; i < a->size(); ++i) {
    const toml::node& e = *a->get(i);
    if (const auto* s = e.as_string()) {
      out.push_back(s->get());
    } else {
      error(e, std::string(name) + "[" + std::to_string(i) + "] must be a string, not " +
                   type_name(e));
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<Address> Reader::address(const toml::node& n, std::string_view name) {
  const auto* s = n.as_string();
  if (s == nullptr) {
    error(n, std::string(name) + " must be an address string like \"10.0.0.5:7950\", not " +
                 type_name(n));
    return std::nullopt;
  }
  auto a = parse_address(s->get());
  if (!a.ok()) {
    error(n, std::string(name) + ": invalid address " + quoted(s->get()) + ": " + a.error);
    return std::nullopt;
  }
  return a.value;
}

std::optional<std::map<std::string, std::string>> Reader::text_map(
    const toml::node& n, std::string_view name, std::string (*key_ok)(std::string_view)) {
  const toml::table* t = table(n, name);
  if (t == nullptr) return std::nullopt;
  std::map<std::string, std::string> out;
  bool ok = true;
  for (auto&& [key, value] : *t) {
    const std::string k(key.str());
    if (std::string why = key_ok(k); !why.empty()) {
      error(key.source(), std::string(name) + ": " + why);
      ok = false;
      continue;
    }
    if (const auto* s = value.as_string()) {
      out[k] = s->get();
    } else if (const auto* i = value.as_integer()) {
      out[k] = std::to_string(i->get());
    } else if (const auto* b = value.as_boolean()) {
      out[k] = b->get() ? "true" : "false";
    } else {
      error(value, std::string(name) + "." + k + " must be a string, integer or boolean, not " +
                       type_name(value));
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::int64_t> Reader::cpu_milli(const toml::node& n, std::string_view name,
                                              bool allow_auto, bool& is_auto) {
  is_auto = false;
  const std::string expect = allow_auto ? "cores (0.5), millicores (\"500m\") or \"auto\""
                                        : "cores (0.5) or millicores (\"500m\")";
  if (const auto* i = n.as_integer()) {
    if (i->get() < 0 || i->get() > 1'000'000) {
      error(n, std::string(name) + " must be from 0 to 1000000 cores");
      return std::nullopt;
    }
    return i->get() * 1000;
  }
  if (const auto* f = n.as_floating_point()) {
    const double v = f->get();
    if (!std::isfinite(v) || v < 0 || v > 1'000'000) {
      error(n, std::string(name) + " must be from 0 to 1000000 cores");
      return std::nullopt;
    }
    const double milli = v * 1000.0;
    const double rounded = std::round(milli);
    if (std::fabs(milli - rounded) > 1e-6) {
      error(n, std::string(name) + " must be a whole number of millicores (0.001 cores)");
      return std::nullopt;
    }
    return static_cast<std::int64_t>(rounded);
  }
  if (const auto* s = n.as_string()) {
    if (allow_auto && s->get() == "auto") {
      is_auto = true;
      return 0;
    }
    auto m = parse_millicores(s->get());
    if (!m.ok()) {
      error(n, std::string(name) + ": invalid cpu " + quoted(s->get()) + ": expected " + expect);
      return std::nullopt;
    }
    return m.value;
  }
  error(n, std::string(name) + " must be " + expect + ", not " + type_name(n));
  return std::nullopt;
}

std::optional<std::int64_t> Reader::memory_mib(const toml::node& n, std::string_view name,
                                               bool allow_auto, bool& is_auto) {
  is_auto = false;
  if (const auto* i = n.as_integer()) {
    if (i->get() < 0) {
      error(n, std::string(name) + " must be >= 0 bytes");
      return std::nullopt;
    }
    return bytes_to_mib_ceil(i->get());
  }
  if (const auto* s = n.as_string()) {
    if (allow_auto && s->get() == "auto") {
      is_auto = true;
      return 0;
    }
    auto m = parse_size_mib(s->get());
    if (!m.ok()) {
      error(n, std::string(name) + ": invalid size " + quoted(s->get()) + ": " + m.error);
      return std::nullopt;
    }
    return m.value;
  }
  error(n, std::string(name) + " must be a size like \"256MiB\"" +
               (allow_auto ? ", \"auto\"" : "") + " or a number of bytes, not " + type_name(n));
  return std::nullopt;
}

std::optional<std::string> Reader::choice(const toml::node& n, std::string_view name,
                                          std::initializer_list<std::string_view> choices) {
  std::string list;
  std::size_t i = 0;
  for (std::string_view c : choices) {
    if (i > 0) list += (i + 1 == choices.size()) ? " or " : ", ";
    list += quoted(c);
    ++i;
  }
  const auto* s = n.as_string();
  if (s == nullptr) {
    error(n, std::string(name) + " must be " + list + ", not " + type_name(n));
    return std::nullopt;
  }
  if (std::find(choices.begin(), choices.end(), s->get()) == choices.end()) {
    std::string msg = std::string(name) + " must be " + list + ", not " + quoted(s->get());
    if (std::string hint = closest(s->get(), choices); !hint.empty())
      msg += " (did you mean " + quoted(hint) + "?)";
    error(n, std::move(msg));
    return std::nullopt;
  }
  return s->get();
}

std::optional<toml::table> parse_toml(std::string_view text, std::string_view path,
                                      Diagnostic& error) {
  try {
    return toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    error = Diagnostic{std::string(path), static_cast<int>(e.source().begin.line),
                       static_cast<int>(e.source().begin.column), std::string(e.description())};
    return std::nullopt;
  }
}

std::optional<toml::table> parse_toml(std::string_view text, std::string_view path,
                                      std::vector<Diagnostic>& errors) {
  Diagnostic syntax;
  auto root = parse_toml(text, path, syntax);
  if (!root) errors.push_back(std::move(syntax));
  return root;
}

}  // namespace shoal::config::detail
