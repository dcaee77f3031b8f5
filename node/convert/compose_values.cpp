#include "node/convert/compose_values.hpp"

#include <cctype>
#include <charconv>
#include <algorithm>
#include <cmath>

#include "config/constraint.hpp"
#include "config/units.hpp"

namespace shoal::convert {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// A non-negative decimal "12", "1.5", ".5" -> its value; nullopt for anything else (signs,
// exponents, hex, NaN: compose's numbers are plain).
std::optional<double> decimal(std::string_view s) {
  if (s.empty() || s.size() > 32) return std::nullopt;
  bool digit = false, dot = false;
  for (char c : s) {
    if (c == '.' && !dot) dot = true;
    else if (std::isdigit(static_cast<unsigned char>(c))) digit = true;
    else return std::nullopt;
  }
  if (!digit) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<std::uint16_t> port_number(std::string_view s) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < 1 || v > 65535)
    return std::nullopt;
  return static_cast<std::uint16_t>(v);
}

bool word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
         c == '/' || c == ':';
}

}  // namespace

std::string closest(std::string_view word, const std::vector<std::string_view>& candidates) {
  if (word.size() > 32) return {};  // keys can be 1 KiB: the table below is |word| x |candidate|
  std::string best;
  std::size_t best_d = word.size() <= 3 ? 1 : word.size() <= 6 ? 2 : 3;
  for (std::string_view c : candidates) {
    // Optimal string alignment: insertions, deletions, substitutions, adjacent transpositions.
    std::vector<std::vector<std::size_t>> d(word.size() + 1,
                                            std::vector<std::size_t>(c.size() + 1));
    for (std::size_t i = 0; i <= word.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= c.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= word.size(); ++i) {
      for (std::size_t j = 1; j <= c.size(); ++j) {
        d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1,
                            d[i - 1][j - 1] + (word[i - 1] == c[j - 1] ? 0 : 1)});
        if (i > 1 && j > 1 && word[i - 1] == c[j - 2] && word[i - 2] == c[j - 1])
          d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
    if (d[word.size()][c.size()] <= best_d) {
      best_d = d[word.size()][c.size()];
      best = std::string(c);
      if (best_d == 0) break;
    }
  }
  return best;
}

config::Checked<std::int64_t> parse_cpus(std::string_view text) {
  auto v = decimal(trim(text));
  if (!v || *v > 1e6) return config::Checked<std::int64_t>::fail(
      "`" + std::string(text) + "` is not a number of cores (like 0.5)");
  return config::Checked<std::int64_t>{static_cast<std::int64_t>(std::llround(*v * 1000)), {}};
}

config::Checked<std::int64_t> parse_memory_mib(std::string_view text) {
  using R = config::Checked<std::int64_t>;
  std::string_view s = trim(text);
  std::size_t n = 0;
  while (n < s.size() && (std::isdigit(static_cast<unsigned char>(s[n])) || s[n] == '.')) ++n;
  std::string unit(s.substr(n));
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto v = decimal(s.substr(0, n));
  const std::string bad = "`" + std::string(text) + "` is not a size (like 512m or 1.5g)";
  if (!v) return R::fail(bad);
  static constexpr std::string_view kUnits = "bkmgt";
  std::size_t power = 0;
  if (!unit.empty()) {
    power = kUnits.find(unit[0]);
    const std::string rest = unit.substr(1);
    if (power == std::string_view::npos || !(rest.empty() || rest == "b" || rest == "ib") ||
        (power == 0 && !rest.empty()))
      return R::fail(bad);
  }
  const double bytes = *v * std::pow(1024.0, static_cast<double>(power));
  if (bytes > 1e18) return R::fail("`" + std::string(text) + "` is larger than Shoal takes");
  return R{config::bytes_to_mib_ceil(static_cast<std::int64_t>(std::ceil(bytes))), {}};
}

config::Checked<PortSpec> parse_port_spec(std::string_view text) {
  using R = config::Checked<PortSpec>;
  PortSpec p;
  std::string_view s = trim(text);
  if (const std::size_t slash = s.rfind('/'); slash != std::string_view::npos) {
    p.protocol = std::string(s.substr(slash + 1));
    s = s.substr(0, slash);
  }
  const std::size_t last = s.rfind(':');
  const std::string_view container = last == std::string_view::npos ? s : s.substr(last + 1);
  std::string_view rest = last == std::string_view::npos ? std::string_view() : s.substr(0, last);
  std::string_view host = rest;
  if (const std::size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(colon + 1);
    p.host_ip = std::string(rest.substr(0, colon));
    if (p.host_ip.size() >= 2 && p.host_ip.front() == '[' && p.host_ip.back() == ']')
      p.host_ip = p.host_ip.substr(1, p.host_ip.size() - 2);
  }
  if (container.find('-') != std::string_view::npos || host.find('-') != std::string_view::npos)
    return R::fail("port ranges are not converted (Shoal names each port): `" +
                   std::string(text) + "`");
  auto c = port_number(container);
  if (!c) return R::fail("`" + std::string(text) + "` is not a port (like 8080:80 or 80/tcp)");
  p.container = *c;
  if (!host.empty()) {
    auto h = port_number(host);
    if (!h) return R::fail("`" + std::string(text) + "` has no valid host port");
    p.host = *h;
  }
  return R{p, {}};
}

config::Checked<std::string> translate_constraint(std::string_view text) {
  using R = config::Checked<std::string>;
  std::size_t op = text.find("==");
  if (op == std::string_view::npos) op = text.find("!=");
  if (op == std::string_view::npos)
    return R::fail("`" + std::string(text) + "` has no == or !=");
  const std::string_view attr = trim(text.substr(0, op));
  std::string_view value = trim(text.substr(op + 2));
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front())
    value = value.substr(1, value.size() - 2);
  std::string shoal_attr;
  constexpr std::string_view kLabels = "node.labels.";
  if (attr.rfind(kLabels, 0) == 0 && attr.size() > kLabels.size()) {
    shoal_attr = "label." + std::string(attr.substr(kLabels.size()));
  } else if (attr == "node.hostname") {
    shoal_attr = "name";
  } else {
    return R::fail("`" + std::string(attr) +
                   "` has no Shoal equivalent (Shoal places by name, zone and label.KEY; give "
                   "the peers a label and use node.labels.KEY)");
  }
  bool bare = !value.empty();
  for (char c : value) bare = bare && word_char(c);
  std::string v = bare ? std::string(value) : "\"";
  if (!bare) {
    for (char c : value) {
      if (c == '"' || c == '\\') v += '\\';
      v += c;
    }
    v += '"';
  }
  std::string out = shoal_attr + " " + std::string(text.substr(op, 2)) + " " + v;
  auto checked = config::parse_constraint(out);
  if (!checked.ok()) return R::fail("`" + std::string(text) + "`: " + checked.error);
  return R{checked.value->to_string(), {}};
}

namespace {

// For each '{' of `text`, the index of the '}' that closes it (npos if none): one pass, so that
// a hostile value of a million `${` costs no more than its length.
std::vector<std::size_t> closing_braces(std::string_view text) {
  std::vector<std::size_t> close(text.size(), std::string_view::npos), open;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{') {
      open.push_back(i);
    } else if (text[i] == '}' && !open.empty()) {
      close[open.back()] = i;
      open.pop_back();
    }
  }
  return close;
}

// text[begin, end) of the whole value `text`. Defaults may hold variables in turn; past a few
// levels they are kept as written.
void unescape(std::string_view text, std::size_t begin, std::size_t end,
              const std::vector<std::size_t>& close, int depth, Interpolated& out) {
  for (std::size_t i = begin; i < end; ++i) {
    const char c = text[i];
    const char next = i + 1 < end ? text[i + 1] : '\0';
    if (c == '$' && next == '$') {
      out.text += '$';
      ++i;
      continue;
    }
    if (c == '$' && next == '{') {
      const std::size_t shut = close[i + 1];
      std::size_t name = i + 2;
      while (shut != std::string_view::npos && name < shut &&
             (std::isalnum(static_cast<unsigned char>(text[name])) || text[name] == '_'))
        ++name;
      const std::size_t op = text.substr(name, 2) == ":-" ? 2 : text.substr(name, 1) == "-" ? 1 : 0;
      if (depth < 4 && shut != std::string_view::npos && shut < end && name > i + 2 && op > 0) {
        unescape(text, name + op, shut, close, depth + 1, out);
        out.used_defaults = true;
        i = shut;
        continue;
      }
      out.kept_variables = true;
    } else if (c == '$' && (next == '_' || std::isalpha(static_cast<unsigned char>(next)))) {
      out.kept_variables = true;
    }
    out.text += c;
  }
}

}  // namespace

Interpolated unescape_dollars(std::string_view text) {
  Interpolated out;
  if (text.find('$') == std::string_view::npos) {
    out.text = std::string(text);
    return out;
  }
  unescape(text, 0, text.size(), closing_braces(text), 0, out);
  return out;
}

}  // namespace shoal::convert
